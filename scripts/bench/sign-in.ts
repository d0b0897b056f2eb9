/**
 * The sign-in path against the in-process emulators (dynalite, the SES emulator): what each
 * trigger costs per invocation on a laptop, against the floor of one DynamoDB GetItem on the
 * same emulator. Figures are local (no network to AWS); they show the relative weight of the
 * work each trigger does inside Cognito's 5-second budget, not AWS latencies.
 */
import { readFileSync } from 'node:fs';
import { localEnvironment, startLocalDynamo, startLocalSes } from '../local/emulators.js';

const [dynamo, ses] = await Promise.all([startLocalDynamo(), startLocalSes()]);
Object.assign(process.env, localEnvironment(dynamo, ses), {
  LOG_LEVEL: 'ERROR',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
});

const { findSampleEvent } = await import('../local/sample-events.js');
const { loadSettings } = await import('../../shared/config/settings.js');
const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
const { documentClient, tableName } = await import('../../shared/storage/table.js');
const { signInSettingSpecs } = await import('../../shared/sign-in/settings.js');
const { preAuthentication } = await import('../../shared/sign-in/pre-authentication.js');
const { postAuthentication } = await import('../../shared/sign-in/post-authentication.js');
const { configuredRiskEngine } = await import('../../shared/risk/contract.js');
/** The engine as the functions build it, at module scope. */
const risk = configuredRiskEngine();
const { loadTokenSettings } = await import('../../shared/tokens/settings.js');
const { preTokenGeneration } = await import('../../shared/tokens/pre-token-generation.js');
const { customAuthSettingSpecs } = await import('../../shared/custom-auth/settings.js');
const { nextStep } = await import('../../shared/custom-auth/state-machine.js');
const { codeDigest, safeEqual } = await import('../../shared/custom-auth/codes.js');
const { verifyAuthChallenge } = await import('../../shared/custom-auth/verify.js');
const { measure, measureAsync, printTable } = await import('./measure.js');

// biome-ignore lint/suspicious/noExplicitAny: samples are cloned and handed to typed cores
const load = (name: string): any => JSON.parse(readFileSync(findSampleEvent(name)!.path, 'utf8'));
// A lockout limit no benchmark reaches, so every call does the full work.
const signIn = loadSettings(signInSettingSpecs, {
  env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '1000' },
  file: {},
});
const tokens = loadTokenSettings({
  env: {},
  file: { tokens: { rolePermissions: { readers: ['items:read'] } } },
});
const tokensWithRisk = loadTokenSettings({ env: { GATEHOUSE_TOKENS_RISK_CLAIM: 'true' }, file: {} });
const customAuth = loadSettings(customAuthSettingSpecs, { env: {}, file: {} });

let n = 0;
/** A fresh user per call for the triggers that count or record (no lockout, no retry collapse). */
function fresh(name: string) {
  const event = load(name);
  event.request.userAttributes.sub = `bench-${n++}`;
  if (event.request.clientMetadata) event.request.clientMetadata.requestId = `r${n}`;
  return event;
}

const session = [
  { challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: 'PROVIDE_AUTH_PARAMETERS' },
  { challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: 'EMAIL_CODE:x' },
] as const;
const digest = codeDigest('challenge', '123456');

printTable([
  await measureAsync('baseline: one GetItem on dynalite', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: { pk: 'USER#x', sk: 'PROFILE' } })),
  ),
  await measureAsync('pre authentication (lockout state, counter, risk)', () =>
    preAuthentication(fresh('PreAuthentication_Authentication'), signIn, risk),
  ),
  await measureAsync('post authentication (record, device, trim, clear)', () =>
    postAuthentication(fresh('PostAuthentication_Authentication'), signIn, risk),
  ),
  await measureAsync('pre token generation V2 (GetItem)', () =>
    preTokenGeneration(load('TokenGeneration_Authentication.V2_0'), tokens),
  ),
  await measureAsync('pre token generation V2 + risk (BatchGetItem)', () =>
    preTokenGeneration(load('TokenGeneration_Authentication.V2_0'), tokensWithRisk),
  ),
  await measureAsync('pre token generation V3 client credentials', () =>
    preTokenGeneration(load('TokenGeneration_ClientCredentials.V3_0'), tokens),
  ),
  await measureAsync('verify auth challenge (right code)', () => {
    const event = load('VerifyAuthChallengeResponse_Authentication');
    event.request.privateChallengeParameters = {
      kind: 'code',
      challengeId: 'challenge',
      codeDigest: digest,
      expiresAt: String(Math.floor(Date.now() / 1000) + 300),
    };
    event.request.challengeAnswer = '123456';
    return verifyAuthChallenge(event, customAuth, signIn);
  }),
]);

console.log('');
printTable([
  measure('baseline: codeDigest', () => codeDigest('challenge', '123456')),
  measure('define state machine step', () => nextStep(session, { userNotFound: false, maxAnswers: 3 })),
  measure('constant-time code check', () => safeEqual(codeDigest('challenge', '123456'), digest)),
]);

await Promise.all([dynamo.stop(), ses.stop()]);
