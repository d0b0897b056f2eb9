import { afterAll, beforeAll } from 'vitest';
import { type LocalSns, startLocalSns } from '../../scripts/local/emulators.js';
import { functionLoaders, localContext } from '../../scripts/local/registry.js';
import {
  SAMPLE_CLIENT_ID,
  SAMPLE_POOL_ID,
  sampleJwks,
  sampleKeySettings,
  signSampleToken,
} from '../../scripts/local/sample-keys.js';
import { SAMPLE_CODE } from '../../scripts/samples.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';
import { type Fault, type FaultProxy, type Protocol, startFaultProxy } from '../support/fault-proxy.js';
import {
  type CognitoStandIn,
  type JwksStandIn,
  type LegacyStandIn,
  startCognitoStandIn,
  startJwksStandIn,
  startLegacyStandIn,
} from '../support/stand-ins.js';
import { commonFaults, type Dependency, describeFaultMatrix, Matrix, type Scenario } from './matrix.js';

/**
 * The fault matrix of every other dependency: SES (the emulator), SNS (the local outbox), Cognito
 * (a stand-in for AdminAddUserToGroup and AdminGetUser), the JWKS endpoint and the legacy user
 * endpoint, each behind its own fault proxy; the table (dynalite) stays healthy. One dependency's
 * rounds at a time, every function that calls it concurrently.
 */
const local = useLocalEmulators({ SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let sns: LocalSns;
let cognito: CognitoStandIn;
let jwks: JwksStandIn;
let legacy: LegacyStandIn;
const proxies: Record<string, FaultProxy> = {};
const matrix = new Matrix();

/** Groups post confirmation adds every new user to, in this file (a file-only setting elsewhere). */
const GROUPS = ['members', 'beta'];

beforeAll(async () => {
  [sns, cognito, jwks, legacy] = await Promise.all([
    startLocalSns(),
    startCognitoStandIn(),
    startJwksStandIn(sampleJwks()),
    startLegacyStandIn(),
  ]);
  const proxy = (name: string, target: string, protocol: Protocol) =>
    startFaultProxy(target, protocol).then((started) => {
      proxies[name] = started;
    });
  await Promise.all([
    proxy('SES', local.ses.endpoint, 'aws-rest-json'),
    proxy('SNS', sns.endpoint, 'aws-query'),
    proxy('Cognito', cognito.endpoint, 'aws-json'),
    proxy('JWKS', jwks.endpoint, 'http'),
    proxy('legacy endpoint', legacy.endpoint, 'http'),
  ]);
  // The authorizer fetches the JWKS of a local pool from the proxy (none pinned).
  Object.assign(process.env, {
    AUTHORIZER_LOCAL_ISSUER: proxies.JWKS!.endpoint,
    USER_POOL_ID: SAMPLE_POOL_ID,
    USER_POOL_CLIENT_ID: SAMPLE_CLIENT_ID,
  });
  Object.assign(process.env, sampleKeySettings(process.env), {
    SES_ENDPOINT: proxies.SES!.endpoint,
    SNS_ENDPOINT: proxies.SNS!.endpoint,
    COGNITO_ENDPOINT: proxies.Cognito!.endpoint,
    MIGRATION_SOURCE: 'http',
    MIGRATION_HTTP_URL: proxies['legacy endpoint']!.endpoint,
    CONSOLE_USER_POOL_ID: SAMPLE_POOL_ID,
    SIGNUP_LINK_FEDERATED_USERS: 'true',
  });
  for (const fn of [
    'custom-email-sender',
    'custom-sms-sender',
    'migrate-user',
    'pre-sign-up',
    'create-auth-challenge',
    'console',
  ]) {
    await functionLoaders[fn]!();
  }
});

afterAll(async () => {
  console.log(`\nFault matrix (SES, SNS, Cognito, JWKS, legacy endpoint)\n\n${matrix.table()}\n`);
  await Promise.all([
    ...Object.values(proxies).map((proxy) => proxy.stop()),
    sns?.stop(),
    cognito?.stop(),
    jwks?.stop(),
    legacy?.stop(),
  ]);
});

async function invoke(fn: string, event: unknown) {
  const { handler } = await functionLoaders[fn]!();
  return handler(event, localContext(fn));
}

const mailsTo = async (address: string) =>
  (await local.ses.mails()).filter((mail) => mail.destination.to.includes(address)).length;

function triggerEvent(name: string, id: string) {
  const event = sampleEvent<any>(name);
  const sub = `00000000-0000-4000-8000-${id
    .replace(/[^a-z0-9]/g, '')
    .slice(-12)
    .padStart(12, '0')}`;
  const user = { sub, userName: `user-${id}`, email: `${id}@example.org` };
  event.userName = user.userName;
  if (event.request?.userAttributes) {
    event.request.userAttributes.sub = user.sub;
    event.request.userAttributes.email = user.email;
  }
  return { event, user };
}

type Onboarding = typeof import('../../shared/onboarding/index.js');
let onboardingModule: Onboarding | undefined;
let onboardingHandlers:
  | {
      confirm: (event: unknown, context: unknown) => Promise<unknown>;
      sweep: (event: unknown, context: unknown) => Promise<unknown>;
    }
  | undefined;

/**
 * Post confirmation and the onboarding sweeper as their entries wire them, with default groups
 * configured; the sweeper sees every entry as due (as its scheduled run does once post
 * confirmation's grace has passed).
 */
async function onboardingFunctions() {
  if (!onboardingHandlers) {
    const [{ triggerHandler }, { parsePostConfirmationEvent }, onboarding, { onboardingSettings }] =
      await Promise.all([
        import('../../shared/middleware/index.js'),
        import('../../shared/events/parse.js'),
        import('../../shared/onboarding/index.js'),
        import('../../shared/onboarding/settings.js'),
      ]);
    onboardingModule = onboarding;
    const settings = { ...onboardingSettings(), defaultGroups: GROUPS };
    onboardingHandlers = {
      confirm: triggerHandler({
        name: 'post-confirmation',
        parse: parsePostConfirmationEvent,
        core: (e) => onboarding.postConfirmation(e, onboarding.onboardingDependencies({ settings })),
      }) as never,
      sweep: triggerHandler({
        name: 'onboarding-sweeper',
        parse: onboarding.parseSweepEvent,
        core: () =>
          onboarding.sweepOutbox(
            onboarding.sweeperDependencies({ settings, now: () => Date.now() + sweepAheadMs }),
          ),
      }) as never,
    };
  }
  return { ...onboardingHandlers, onboarding: onboardingModule!, settings: { defaultGroups: GROUPS } };
}

async function postConfirmation(event: unknown) {
  const { confirm } = await onboardingFunctions();
  return confirm(event, localContext('post-confirmation'));
}

/** How far ahead of now the next sweep runs (what is due then). */
let sweepAheadMs = 60_000;

/**
 * One scheduled sweep, `aheadMs` from now (5 s of budget here, within the matrix's bound; 60 s
 * deployed): a minute on, every entry post confirmation left is due.
 */
async function sweepOnce(aheadMs = 60_000) {
  const { sweep } = await onboardingFunctions();
  sweepAheadMs = aheadMs;
  return sweep(sampleEvent('scheduled-sweep'), localContext('onboarding-sweeper'));
}

/**
 * What a user has after the fault and the sweeps that follow it: every group, and one welcome
 * mail, or none when its send's outcome was unknown (the proxy held or reset it before SES saw
 * it): then the step is closed as such and counted, never resent.
 */
async function expectOnboarded(user: { sub: string; userName: string; email: string }) {
  // The scheduled sweeps of the next half hour: past any pause a failed attempt set.
  await sweepOnce(20 * 60_000);
  await sweepOnce(40 * 60_000);
  const mails = await mailsTo(user.email);
  const item = (await local.dynamo.scan()).find((i) => i.pk === `USER#${user.sub}` && i.sk === 'ONBOARDING');
  const unknown = item?.['closed:welcomeSentAt'] === 'outcome-unknown';
  if (mails > 1 || (mails === 0 && !unknown)) throw new Error(`${mails} welcome mails`);
  const missing = GROUPS.filter((group) => !cognito.members.get(group)?.has(user.userName));
  if (missing.length) throw new Error(`not in ${missing.join(', ')}`);
  const pending = (await local.dynamo.scan()).filter(
    (i) => String(i.pk).startsWith('OUTBOX#') && String(i.sk).includes(`USER#${user.sub}#`),
  );
  if (pending.length) throw new Error('its outbox entry is still pending');
}

/**
 * Post confirmation's mail and groups: left to the sweeper when SES or Cognito fails (Cognito got
 * its answer and never calls again); the sweeper completes them, each once.
 */
const postConfirmationScenario: Scenario = {
  fn: 'post-confirmation',
  healthy: 'ok',
  // The profile is written; a failed mail or group is logged and left to the sweeper.
  whenDown: 'ok',
  async prepare(id) {
    const { event, user } = triggerEvent('PostConfirmation_ConfirmSignUp', id);
    return {
      invoke: () => postConfirmation(event),
      secrets: [],
      recover: () => expectOnboarded(user),
    };
  },
};

/**
 * The onboarding sweeper on a user whose confirmation had too little time for any effect: it
 * answers its report whatever SES or Cognito do (what fails stays pending, swept again later).
 */
const sweeperScenario: Scenario = {
  fn: 'onboarding-sweeper',
  healthy: 'ok',
  whenDown: 'ok',
  async prepare(id) {
    const { event, user } = triggerEvent('PostConfirmation_ConfirmSignUp', id);
    const { onboarding, settings } = await onboardingFunctions();
    await onboarding.postConfirmation(
      event,
      onboarding.onboardingDependencies({
        settings: { ...onboarding.onboardingDependencies().settings, ...settings },
        deadline: Date.now() + 600,
      }),
    );
    return { invoke: () => sweepOnce(), secrets: [], recover: () => expectOnboarded(user) };
  },
};

/**
 * A custom sender's event delivered again by Lambda: the message goes out exactly once, or, when
 * the hand-over's outcome was unknown (the proxy held or reset it, maybe before the service saw
 * it), at most once: the marker is closed and no retry resends it.
 */
function senderScenario(
  fn: 'custom-email-sender' | 'custom-sms-sender',
  source: string,
  dependency: 'hand-over' | 'lookup' = 'hand-over',
): Scenario {
  return {
    fn: source === 'CustomEmailSender_AccountTakeOverNotification' ? `${fn} (account takeover)` : fn,
    healthy: 'ok',
    // Thrown: Lambda's asynchronous retry delivers the event again.
    whenDown: 'error',
    // A hand-over that may have been accepted: closed, not thrown (a retry could only skip it).
    ...(dependency === 'hand-over' ? { whenUnknown: 'ok' } : {}),
    async prepare(id) {
      const { event, user } = triggerEvent(source, id);
      const phone = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
      if (fn === 'custom-sms-sender') event.request.userAttributes.phone_number = phone;
      if (source === 'CustomEmailSender_AccountTakeOverNotification') {
        event.request.userAttributes.USER_NAME = user.userName;
        cognito.users.set(user.userName, { email: user.email, given_name: 'Ann' });
      }
      const delivered = () =>
        fn === 'custom-sms-sender'
          ? Promise.resolve(sns.texts().filter((text) => text.phoneNumber === phone).length)
          : mailsTo(user.email);
      return {
        invoke: () => invoke(fn, event),
        // The code the samples' encrypted codes hold (the takeover notification has none).
        secrets: source.endsWith('AccountTakeOverNotification') ? [] : [SAMPLE_CODE],
        async recover() {
          await invoke(fn, event);
          await invoke(fn, event);
          const count = await delivered();
          if (count === 1) return;
          if (count === 0 && (await markerClosedUnknown(event))) return;
          throw new Error(`delivered ${count} times`);
        },
      };
    },
  };
}

/** True when the sender closed this event's marker as a hand-over of unknown outcome. */
async function markerClosedUnknown(event: unknown): Promise<boolean> {
  const { eventDigest } = await import('../../shared/senders/sent-marker.js');
  const items = await local.dynamo.scan();
  return items.some(
    (item) => item.pk === `SENT#${eventDigest(event)}` && item.outcomeUnknownAt !== undefined,
  );
}

/** The authorizer of a container whose cold-start JWKS fetch failed: it fetches on first use. */
const authorizerScenario: Scenario = {
  fn: 'authorizer',
  healthy: 'Allow',
  whenDown: '500',
  async prepare(id) {
    const [{ authorizerHandler, createAuthorizer }, { loadAuthorizerSettings }] = await Promise.all([
      import('../../shared/authorizer/handler.js'),
      import('../../shared/authorizer/settings.js'),
    ]);
    const handler = authorizerHandler(await createAuthorizer(loadAuthorizerSettings()));
    const event = sampleEvent<any>('http-v2');
    const [, payload] = String(event.headers.authorization).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const token = signSampleToken({
      ...claims,
      iss: `${proxies.JWKS!.endpoint}/${SAMPLE_POOL_ID}`,
      jti: `jti-${id}`,
    });
    event.headers.authorization = `Bearer ${token}`;
    event.identitySource = [`Bearer ${token}`];
    return {
      invoke: () => handler(event, localContext('authorizer') as never),
      secrets: [token],
    };
  },
};

const migrateUserScenario: Scenario = {
  fn: 'migrate-user',
  healthy: 'ok',
  whenDown: 'error',
  async prepare(id) {
    const { event, user } = triggerEvent('UserMigration_Authentication', id);
    const password = `Legacy-${id}-pw!`;
    event.request.password = password;
    event.request.userAttributes = {};
    legacy.users.set(user.userName, { password, attributes: { email: user.email } });
    return {
      invoke: () => invoke('migrate-user', event),
      secrets: [password],
      // A user migrated by the first call is Cognito's now (the endpoint was told); one who was not
      // migrates on the next sign-in.
      async recover(first) {
        if (first === 'ok') return;
        const again = await invoke('migrate-user', event).then(
          () => 'ok',
          (error: Error) => error.message,
        );
        if (again !== 'ok') throw new Error(`the next sign-in: ${again}`);
      },
    };
  },
};

const preSignUpScenario: Scenario = {
  fn: 'pre-sign-up',
  healthy: 'ok',
  // Fails closed: a sign-up the legacy store cannot vouch for is not let in (it could squat a legacy user).
  whenDown: 'error',
  async prepare(id) {
    const { event } = triggerEvent('PreSignUp_SignUp', id);
    return { invoke: () => invoke('pre-sign-up', event), secrets: [] };
  },
};

/**
 * A federated sign-up whose email belongs to one verified native user: linked (ListUsers, then
 * AdminLinkProviderForUser), and this first sign-in refused with the "sign in again" message. When
 * Cognito fails it fails closed: no separate federated user is created (the user tries again) and
 * the identity is linked once, by this call or the next.
 */
const federatedPreSignUpScenario: Scenario = {
  fn: 'pre-sign-up (federated linking)',
  healthy: 'refused SIGNUP_ACCOUNT_LINKED',
  whenDown: 'error',
  // Two calls of 2 s each come within half a second of the 4.5 s deadline: linked, or refused.
  sequentialCalls: 2,
  async prepare(id) {
    const event = sampleEvent<any>('PreSignUp_ExternalProvider');
    const subject = id.replace(/[^a-z0-9]/g, '');
    const email = `linked-${subject}@example.org`;
    const native = `native-${subject}`;
    event.userName = `Google_${subject}`;
    event.request.userAttributes.email = email;
    cognito.users.set(native, { email, email_verified: 'true' });
    const source = `Google_${subject}`;
    return {
      invoke: () => invoke('pre-sign-up', event),
      secrets: [],
      async recover(first) {
        // Linked: the user's next sign-in lands on the native user (no pre sign-up call). Not
        // linked: the next sign-in links it.
        if (!cognito.links.has(source)) {
          if (first !== 'error') throw new Error(`not linked after ${first}`);
          await invoke('pre-sign-up', event).catch(() => undefined);
        }
        const linked = cognito.links.get(source);
        if (linked !== native)
          throw new Error(linked ? `linked to ${linked}` : 'not linked by the next sign-in');
      },
    };
  },
};

/**
 * The emailed sign-in code (here a step-up after the password), mailed at most once: refused by SES
 * it fails closed (the generic message, nothing mailed, the user starts again); of unknown outcome
 * (no answer in the attempt's 3 s, a reset mid-call, SES accepting and answering late) the challenge
 * stands, and the mail SES got, if any, carries the very code it expects. The proxy holds a slow
 * request or resets it before SES sees it: then no mail; SES acts on a late-answered one: one mail.
 */
const createAuthChallengeScenario: Scenario = {
  fn: 'create-auth-challenge',
  healthy: 'ok',
  whenDown: 'error',
  whenUnknown: 'ok',
  async prepare(id, fault) {
    const { event, user } = triggerEvent('CreateAuthChallenge_Authentication', id);
    const neverReachedSes = fault.kind === 'reset' || (fault.kind === 'latency' && fault.ms >= 3_000);
    let answer: { response: { privateChallengeParameters: Record<string, string> } } | undefined;
    return {
      invoke: async () => {
        answer = (await invoke('create-auth-challenge', event)) as typeof answer;
        return answer;
      },
      // Drawn inside the function: unknown here (the logs test checks every function for its codes).
      secrets: [],
      async recover(first) {
        const mails = (await local.ses.mails()).filter((mail) => mail.destination.to.includes(user.email));
        const expected = first === 'ok' && !neverReachedSes ? 1 : 0;
        if (mails.length !== expected)
          throw new Error(`${mails.length} code mails after ${first}, expected ${expected}`);
        if (expected === 0) return;
        const code = mails[0]!.body.text?.match(/\b\d{6}\b/)?.[0];
        const challenge = answer!.response.privateChallengeParameters;
        const { codeDigest } = await import('../../shared/custom-auth/codes.js');
        if (!code || codeDigest(challenge.challengeId!, code) !== challenge.codeDigest)
          throw new Error('the mailed code is not the one the challenge expects');
      },
    };
  },
};

/** The console's user search (ListUsers): its own 500 when Cognito fails. */
const consoleScenario: Scenario = {
  fn: 'console',
  healthy: 'HTTP 200',
  whenDown: 'HTTP 500',
  async prepare() {
    const event = sampleEvent<any>('search');
    return { invoke: () => invoke('console', event), secrets: [] };
  },
};

/**
 * The service acts on the request (SES accepts the mail, SNS the text) and its answer comes after
 * every deadline: a send SDK-retried or released on it would go out twice.
 */
const DONE_ANSWER_LOST: Fault = { kind: 'slow-answer', ms: 10_000 };

/**
 * Per dependency: its functions, how slow it may be before one attempt fails, and its faults
 * (`faults` below unless given: a second entry of one dependency adds its own faults, for some of
 * its functions).
 */
const dependencies: Dependency[] = [
  {
    name: 'SES',
    attemptMs: 3_000,
    scenarios: [
      postConfirmationScenario,
      sweeperScenario,
      createAuthChallengeScenario,
      senderScenario('custom-email-sender', 'CustomEmailSender_SignUp'),
    ],
  },
  {
    name: 'SES',
    attemptMs: 3_000,
    faults: [DONE_ANSWER_LOST],
    scenarios: [
      postConfirmationScenario,
      sweeperScenario,
      createAuthChallengeScenario,
      senderScenario('custom-email-sender', 'CustomEmailSender_SignUp'),
    ],
  },
  {
    name: 'SNS',
    attemptMs: 3_000,
    scenarios: [senderScenario('custom-sms-sender', 'CustomSMSSender_SignUp')],
  },
  {
    name: 'SNS',
    attemptMs: 3_000,
    faults: [DONE_ANSWER_LOST],
    scenarios: [senderScenario('custom-sms-sender', 'CustomSMSSender_SignUp')],
  },
  {
    name: 'Cognito',
    attemptMs: 3_000,
    scenarios: [
      postConfirmationScenario,
      sweeperScenario,
      senderScenario('custom-email-sender', 'CustomEmailSender_AccountTakeOverNotification', 'lookup'),
      consoleScenario,
      federatedPreSignUpScenario,
    ],
  },
  { name: 'JWKS', attemptMs: 1_500, scenarios: [authorizerScenario] },
  { name: 'legacy endpoint', attemptMs: 2_500, scenarios: [migrateUserScenario, preSignUpScenario] },
];

const faults = commonFaults(503);

describeFaultMatrix(
  'fault matrix: SES, SNS, Cognito, the JWKS and the legacy endpoint slow, resetting, failing',
  dependencies,
  faults,
  proxies,
  matrix,
);
