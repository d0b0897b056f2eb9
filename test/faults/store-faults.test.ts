import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSns, startLocalSns } from '../../scripts/local/emulators.js';
import { functionLoaders, localContext } from '../../scripts/local/registry.js';
import { sampleKeySettings, signSampleToken } from '../../scripts/local/sample-keys.js';
import { SAMPLE_CODE } from '../../scripts/samples.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';
import { type Fault, type FaultProxy, faultLabel, startFaultProxy } from '../support/fault-proxy.js';
import { commonFaults, isBenign, Matrix, runRound, type Scenario } from './matrix.js';

/**
 * The fault matrix of the table (DynamoDB): every function that reads or writes it, through its
 * handler, with dynalite behind the fault proxy. SES and SNS stay healthy here (their faults are
 * in services-faults.test.ts).
 */
const local = useLocalEmulators({ SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let proxy: FaultProxy;
let sns: LocalSns;
const matrix = new Matrix();

beforeAll(async () => {
  [proxy, sns] = await Promise.all([startFaultProxy(local.dynamo.endpoint, 'dynamodb'), startLocalSns()]);
  Object.assign(process.env, sampleKeySettings(process.env), {
    DYNAMODB_ENDPOINT: proxy.endpoint,
    SNS_ENDPOINT: sns.endpoint,
    AUTHORIZER_REVOCATION: 'true',
  });
  // Every handler loaded before the rounds: a cold start is not the table's fault.
  await Promise.all(scenarios.map((scenario) => functionLoaders[scenario.fn]!()));
});

afterAll(async () => {
  console.log(`\nFault matrix (DynamoDB)\n\n${matrix.table()}\n`);
  await Promise.all([proxy?.stop(), sns?.stop()]);
});

/** The DynamoDB attempt limit (`shared/aws/clients.ts`): a slower table fails the call. */
const TABLE_ATTEMPT_MS = 1_000;

async function invoke(fn: string, event: unknown) {
  const { handler } = await functionLoaders[fn]!();
  return handler(event, localContext(fn));
}

async function seed(item: Record<string, unknown>) {
  await local.dynamo.client.send(
    new PutItemCommand({
      TableName: local.dynamo.tableName,
      Item: marshall(item, { removeUndefinedValues: true }),
    }),
  );
}

const mailsTo = async (address: string) =>
  (await local.ses.mails()).filter((mail) => mail.destination.to.includes(address)).length;

/** A user of one case: own sub, username and address, so cases never share items. */
function userOf(id: string) {
  const sub = `00000000-0000-4000-8000-${id
    .replace(/[^a-z0-9]/g, '')
    .slice(-12)
    .padStart(12, '0')}`;
  return { sub, userName: `user-${id}`, email: `${id}@example.org` };
}

/** A Cognito trigger's sample event for this user. */
function triggerEvent(name: string, id: string) {
  const event = sampleEvent<any>(name);
  const user = userOf(id);
  event.userName = user.userName;
  if (event.request?.userAttributes) {
    event.request.userAttributes.sub = user.sub;
    event.request.userAttributes.email = user.email;
  }
  return { event, user };
}

/** A case whose retry must answer as when healthy (the default recovery). */
function plain(fn: string, name: string): Scenario['prepare'] {
  return async (id) => {
    const { event } = triggerEvent(name, id);
    return { invoke: () => invoke(fn, event), secrets: [] };
  };
}

/** How far ahead of now the next sweep runs (what is due then). */
let sweepAheadMs = 60_000;
let sweepHandler: ((event: unknown, context: unknown) => Promise<unknown>) | undefined;

/**
 * The onboarding sweeper as its entry wires it, run `aheadMs` from now: a minute on, every entry
 * post confirmation left is due (5 s of budget here, within the matrix's bound; 60 s deployed).
 */
async function sweepOnce(aheadMs = 60_000) {
  if (!sweepHandler) {
    const [{ triggerHandler }, onboarding] = await Promise.all([
      import('../../shared/middleware/index.js'),
      import('../../shared/onboarding/index.js'),
    ]);
    sweepHandler = triggerHandler({
      name: 'onboarding-sweeper',
      parse: onboarding.parseSweepEvent,
      core: () =>
        onboarding.sweepOutbox(onboarding.sweeperDependencies({ now: () => Date.now() + sweepAheadMs })),
    }) as never;
  }
  sweepAheadMs = aheadMs;
  return sweepHandler!(sampleEvent('scheduled-sweep'), localContext('onboarding-sweeper'));
}

const scenarios: Scenario[] = [
  { fn: 'pre-sign-up', healthy: 'ok', whenDown: 'error', prepare: plain('pre-sign-up', 'PreSignUp_SignUp') },
  {
    fn: 'post-confirmation',
    healthy: 'ok',
    whenDown: 'error',
    async prepare(id) {
      const { event, user } = triggerEvent('PostConfirmation_ConfirmSignUp', id);
      return {
        invoke: () => invoke('post-confirmation', event),
        secrets: [],
        // Cognito's retry resumes: one profile, one welcome mail, whatever the first call did.
        async recover() {
          await invoke('post-confirmation', event);
          await invoke('post-confirmation', event);
          const profiles = (await local.dynamo.scan()).filter(
            (item) => item.pk === `USER#${user.sub}` && item.sk === 'PROFILE',
          );
          if (profiles.length !== 1) throw new Error(`${profiles.length} profiles`);
          const mails = await mailsTo(user.email);
          if (mails !== 1) throw new Error(`${mails} welcome mails`);
        },
      };
    },
  },
  {
    fn: 'migrate-user',
    healthy: 'ok',
    whenDown: 'error',
    async prepare(id) {
      const { event, user } = triggerEvent('UserMigration_Authentication', id);
      const password = `Legacy-${id}-pw!`;
      event.request.password = password;
      event.request.userAttributes = {};
      await seed({
        pk: `LEGACY#${user.userName.toLowerCase()}`,
        sk: 'ITEM',
        passwordHash: bcrypt.hashSync(password, 4),
        fields: { email: user.email },
      });
      return { invoke: () => invoke('migrate-user', event), secrets: [password] };
    },
  },
  {
    fn: 'pre-token-generation',
    healthy: 'ok',
    whenDown: 'error',
    prepare: plain('pre-token-generation', 'TokenGeneration_Authentication.V2_0'),
  },
  {
    fn: 'pre-authentication',
    healthy: 'ok',
    whenDown: 'error',
    prepare: plain('pre-authentication', 'PreAuthentication_Authentication'),
  },
  {
    fn: 'post-authentication',
    healthy: 'ok',
    whenDown: 'error',
    prepare: plain('post-authentication', 'PostAuthentication_Authentication'),
  },
  {
    fn: 'define-auth-challenge',
    healthy: 'ok',
    whenDown: 'error',
    prepare: plain('define-auth-challenge', 'DefineAuthChallenge_Authentication'),
  },
  {
    fn: 'create-auth-challenge',
    healthy: 'ok',
    whenDown: 'error',
    prepare: plain('create-auth-challenge', 'CreateAuthChallenge_Authentication'),
  },
  {
    fn: 'verify-auth-challenge',
    healthy: 'ok',
    whenDown: 'error',
    async prepare(id) {
      const { event } = triggerEvent('VerifyAuthChallengeResponse_Authentication', id);
      return {
        invoke: () => invoke('verify-auth-challenge', event),
        secrets: [event.request.challengeAnswer],
      };
    },
  },
  {
    fn: 'custom-email-sender',
    healthy: 'ok',
    whenDown: 'error',
    async prepare(id) {
      const { event, user } = triggerEvent('CustomEmailSender_SignUp', id);
      return {
        invoke: () => invoke('custom-email-sender', event),
        secrets: [SAMPLE_CODE],
        // Lambda's asynchronous retry delivers the same event: the mail goes out exactly once.
        async recover() {
          await invoke('custom-email-sender', event);
          await invoke('custom-email-sender', event);
          const mails = await mailsTo(user.email);
          if (mails !== 1) throw new Error(`${mails} mails`);
        },
      };
    },
  },
  {
    fn: 'custom-sms-sender',
    healthy: 'ok',
    whenDown: 'error',
    async prepare(id) {
      const { event } = triggerEvent('CustomSMSSender_SignUp', id);
      const phone = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
      event.request.userAttributes.phone_number = phone;
      return {
        invoke: () => invoke('custom-sms-sender', event),
        secrets: [SAMPLE_CODE],
        async recover() {
          await invoke('custom-sms-sender', event);
          await invoke('custom-sms-sender', event);
          const texts = sns.texts().filter((text) => text.phoneNumber === phone).length;
          if (texts !== 1) throw new Error(`${texts} texts`);
        },
      };
    },
  },
  {
    fn: 'authorizer',
    healthy: 'Allow',
    whenDown: '500',
    async prepare(id) {
      const event = sampleEvent<any>('http-v2');
      const [, payload] = String(event.headers.authorization).split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
      // A token of its own: the revocation check reads the table for it (no cached answer).
      const token = signSampleToken({ ...claims, jti: `jti-${id}`, origin_jti: `origin-${id}` });
      event.headers.authorization = `Bearer ${token}`;
      event.identitySource = [`Bearer ${token}`];
      return { invoke: () => invoke('authorizer', event), secrets: [token] };
    },
  },
  {
    fn: 'console',
    healthy: 'HTTP 200',
    // The console answers its own 500 (`CONSOLE_FAILURE`), never a partial view.
    whenDown: 'HTTP 500',
    async prepare() {
      const event = sampleEvent<any>('unlock');
      event.rawPath = '/console/api/pool/chart';
      event.requestContext.http.method = 'GET';
      event.requestContext.http.path = event.rawPath;
      event.pathParameters = { proxy: 'pool/chart' };
      delete event.body;
      return { invoke: () => invoke('console', event), secrets: [] };
    },
  },
  {
    fn: 'onboarding-sweeper',
    healthy: 'ok',
    // Throws (nothing is lost: the entries stay in the table); the next scheduled sweep resumes.
    whenDown: 'error',
    async prepare(id) {
      const { event, user } = triggerEvent('PostConfirmation_ConfirmSignUp', id);
      // A confirmation with too little time left for its welcome mail: left in the outbox.
      const onboarding = await import('../../shared/onboarding/index.js');
      await onboarding.postConfirmation(
        event,
        onboarding.onboardingDependencies({ deadline: Date.now() + 600 }),
      );
      return {
        invoke: () => sweepOnce(),
        secrets: [],
        async recover() {
          await sweepOnce(20 * 60_000);
          await sweepOnce(40 * 60_000);
          const mails = await mailsTo(user.email);
          const item = (await local.dynamo.scan()).find(
            (i) => i.pk === `USER#${user.sub}` && i.sk === 'ONBOARDING',
          );
          // A claim written before the fault cut its answer reads as an unknown outcome: never resent.
          const unknown = item?.['closed:welcomeSentAt'] === 'outcome-unknown';
          if (mails > 1 || (mails === 0 && !unknown)) throw new Error(`${mails} welcome mails`);
        },
      };
    },
  },
  {
    fn: 'risk-feedback',
    healthy: 'ok',
    whenDown: 'error',
    async prepare(id) {
      const event = { ...sampleEvent<any>('valid'), userId: userOf(id).sub };
      return { invoke: () => invoke('risk-feedback', event), secrets: [] };
    },
  },
];

const faults: Fault[] = [
  ...commonFaults(500),
  { kind: 'throttle', error: 'ProvisionedThroughputExceededException' },
  { kind: 'throttle', error: 'ThrottlingException' },
  { kind: 'unprocessed' },
];

describe('fault matrix: the table (DynamoDB) slow, resetting, failing, throttling, answering in part', () => {
  it.each(faults.map((fault) => [faultLabel(fault), fault] as const))(
    '%s: every function answers within 5 s with its documented outcome, logs no secret and loses nothing',
    async (_, fault) => {
      const { cells, problems } = await runRound(proxy, fault, scenarios, (scenario) =>
        fault.kind === 'none' || isBenign(fault, TABLE_ATTEMPT_MS) ? [scenario.healthy] : [scenario.whenDown],
      );
      matrix.record('DynamoDB', fault, cells);
      expect(problems).toEqual([]);
    },
    30_000,
  );
});
