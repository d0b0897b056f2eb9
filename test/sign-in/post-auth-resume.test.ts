import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withInvocationDeadline } from '../../shared/aws/deadline.js';
import { loadSettings } from '../../shared/config/settings.js';
import type { PostAuthenticationEvent, PreAuthenticationEvent } from '../../shared/events/index.js';
import type { RiskHooks, SignInAttempt } from '../../shared/risk/contract.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { CLIENT, signed } from './support.js';

/**
 * A post authentication whose first call dies after it wrote the sign-in record (the table hangs,
 * the invocation's deadline cuts it) must leave the rest to Cognito's retry of the same event: the
 * risk engine learns from the sign-in and pays back the IP's counted attempt, each once. The real
 * engine on dynalite, behind the fault proxy.
 */
const SECRET = 'a-context-secret-of-at-least-32-characters!';
const local = useLocalEmulators({ RISK_CONTEXT_SECRET: SECRET, SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let proxy: FaultProxy;
let risk: RiskHooks;
let pre: typeof import('../../shared/sign-in/pre-authentication.js');
let post: typeof import('../../shared/sign-in/post-authentication.js');

beforeAll(async () => {
  proxy = await startFaultProxy(local.dynamo.endpoint, 'dynamodb');
  process.env.DYNAMODB_ENDPOINT = proxy.endpoint;
  pre = await import('../../shared/sign-in/pre-authentication.js');
  post = await import('../../shared/sign-in/post-authentication.js');
  const { configuredRiskEngine } = await import('../../shared/risk/contract.js');
  risk = configuredRiskEngine();
});
afterAll(async () => {
  await proxy?.stop();
});
beforeEach(async () => {
  proxy.set({ kind: 'none' });
  await local.ses.clear();
});

const settings = loadSettings(signInSettingSpecs, { env: {}, file: {} });
const SECOND = 1_000;
const OTHER_PLACE = { ip: '192.0.2.10', deviceId: 'old-phone' };

let counter = 0;
function newUser() {
  const id = `${++counter}-${Date.now()}`;
  // Each user signs in from an address of its own: the IP's window is the user's alone here.
  const home = { ip: `198.51.100.${counter}`, deviceId: `laptop-${id}` };
  return { sub: `pr${id}`, userName: `pat${id}`, email: `pat${id}@example.test`, home };
}
type User = ReturnType<typeof newUser>;

function preEvent(user: User, context: Record<string, string>) {
  const e = sampleEvent<PreAuthenticationEvent>('PreAuthentication_Authentication');
  e.userName = user.userName;
  e.callerContext.clientId = CLIENT;
  e.request.userAttributes = { sub: user.sub, email: user.email };
  e.request.validationData = context;
  return e;
}

function postEvent(user: User, context: Record<string, string>) {
  const e = sampleEvent<PostAuthenticationEvent>('PostAuthentication_Authentication');
  e.userName = user.userName;
  e.callerContext.clientId = CLIENT;
  e.request.userAttributes = { sub: user.sub, email: user.email };
  e.request.clientMetadata = context;
  // Cognito knows the device (remembered devices): a new device is told by the signed device id.
  e.request.newDeviceUsed = false;
  return e;
}

/** The engine, counting what it is asked to learn. */
const learned: SignInAttempt[] = [];
const counting = (): RiskHooks => ({
  ...risk,
  learn: (attempt) => {
    learned.push(attempt);
    return risk.learn(attempt);
  },
});

const postAuth = (event: PostAuthenticationEvent, at: number) =>
  post.postAuthentication(structuredClone(event), settings, counting(), at, async () => []);

/**
 * The first call of post authentication: the table answers the first `answered` requests (up to
 * and including the sign-in record), then hangs past the invocation's deadline (1 s).
 */
async function diesAfterRecord(event: PostAuthenticationEvent, at: number, answered = RECORD_WRITTEN_AFTER) {
  proxy.set({ kind: 'latency', ms: 3_000, after: answered });
  await expect(
    withInvocationDeadline({ getRemainingTimeInMillis: () => 1_500 }, () => postAuth(event, at)),
  ).rejects.toThrow(/abort|deadline/i);
  proxy.set({ kind: 'none' });
}
/**
 * Requests of a post authentication with a signed context up to the record: the context-use
 * claim, the account-state read, the marker and the record (the test below checks the record was
 * written and nothing after it).
 */
const RECORD_WRITTEN_AFTER = 4;

/** A user with history from another place (so that HOME is a new device), then pre authentication from HOME. */
async function signInStarted(user: User, at: number) {
  const earlier = signed(user.userName, at - 3_600 * SECOND, { place: OTHER_PLACE });
  await pre.preAuthentication(preEvent(user, earlier), settings, risk, at - 3_600 * SECOND);
  await post.postAuthentication(
    postEvent(user, earlier),
    settings,
    risk,
    at - 3_600 * SECOND,
    async () => [],
  );
  await local.ses.clear();
  const context = signed(user.userName, at, { place: user.home });
  await pre.preAuthentication(preEvent(user, context), settings, risk, at);
  return postEvent(user, context);
}

const items = async () => local.dynamo.scan();
async function ipWindows(ip: string) {
  return (await items()).filter((item) => item.pk === `IP#${ip}`);
}
async function signInRecords(user: User) {
  return (await items()).filter(
    (item) => item.pk === `USER#${user.sub}` && String(item.sk).startsWith('SIGNIN#'),
  );
}
async function latestAssessment(user: User) {
  return (await items()).find(
    (item) => item.pk === `USER#${user.sub}` && item.sk === 'RISK#latest#assessment',
  );
}
async function mailsTo(user: User) {
  return (await local.ses.mails()).filter((mail) => mail.destination.to.includes(user.email));
}
/** What the IP's window says: attempts counted, successes paid back, accounts still owing one. */
async function ipState(ip: string) {
  const windows = await ipWindows(ip);
  const sum = (name: string) => windows.reduce((total, item) => total + Number(item[name] ?? 0), 0);
  const accounts = windows.reduce((total, item) => total + ((item.accounts as Set<string>)?.size ?? 0), 0);
  return { attempts: sum('attempts'), successes: sum('successes'), accounts };
}

describe('post authentication resumes what its first call left undone', () => {
  it('regression: the first call dies after the record; the identical retry learns and pays the IP back, once', async () => {
    learned.length = 0;
    const user = newUser();
    const now = Date.now();
    const event = await signInStarted(user, now);
    expect(await ipState(user.home.ip)).toMatchObject({ successes: 0, accounts: 1 });

    await diesAfterRecord(event, now + SECOND);
    // The record is there; nothing was learned nor paid back.
    expect(await signInRecords(user)).toHaveLength(2);
    expect(learned).toHaveLength(0);
    expect(await ipState(user.home.ip)).toMatchObject({ successes: 0, accounts: 1 });

    // Cognito's retry, the same event, after its 5 s.
    await postAuth(event, now + 6 * SECOND);
    expect(await signInRecords(user)).toHaveLength(2);
    expect(learned).toHaveLength(1);
    expect(await ipState(user.home.ip)).toMatchObject({ successes: 1, accounts: 0 });
    expect(await latestAssessment(user)).toMatchObject({ failures: 0 });
    // HOME was a new device for this user: the mail the learning asked for went out, once.
    expect(await mailsTo(user)).toHaveLength(1);
  });
});

describe('post authentication: a retry does each step once (attacks)', () => {
  it('attack: the same event replayed after every step is done learns no second pay-back and sends no second mail', async () => {
    learned.length = 0;
    const user = newUser();
    const now = Date.now();
    const event = await signInStarted(user, now);
    await diesAfterRecord(event, now + SECOND);
    await postAuth(event, now + 6 * SECOND); // Cognito's retry: finishes the steps, answers in time
    const device = (await items()).find(
      (item) => item.pk === `USER#${user.sub}` && item.sk === `DEVICE#${user.home.deviceId}`,
    );
    // The first call died before the device registry: the retry kept it.
    expect(device).toMatchObject({ firstSeen: now + 6 * SECOND });
    // Later, someone sends the very same event again (a captured context): a replay.
    await postAuth(event, now + 60 * SECOND);
    await postAuth(event, now + 61 * SECOND);
    expect(await ipState(user.home.ip)).toMatchObject({ successes: 1, accounts: 0 });
    expect(await mailsTo(user)).toHaveLength(1);
    // The replays' facts are believed in nothing: the device keeps its own first and last sighting.
    expect(
      (await items()).find(
        (item) => item.pk === `USER#${user.sub}` && item.sk === `DEVICE#${user.home.deviceId}`,
      ),
    ).toEqual(device);
    expect(learned.slice(1).every((attempt) => attempt.contextReplayed === true)).toBe(true);
  });

  it('duplicate: the identical event again after a call that finished every step writes nothing and learns nothing twice', async () => {
    learned.length = 0;
    const user = newUser();
    const now = Date.now();
    // An app without a signing key: its retries are told by the requestId it sends.
    const event = postEvent(user, { requestId: `req-${user.sub}`, deviceId: 'claimed-box' });
    await postAuth(event, now);
    expect(learned).toHaveLength(1);
    const before = await items();
    await postAuth(event, now + 6 * SECOND);
    await Promise.all([7, 7].map((s) => postAuth(event, now + s * SECOND)));
    expect(learned).toHaveLength(1);
    expect(await signInRecords(user)).toHaveLength(1);
    expect(await items()).toEqual(before);
  });

  it('race: identical calls at once after the first call died: the sign-in learns, pays back and mails once (the others are replays)', async () => {
    learned.length = 0;
    const user = newUser();
    const now = Date.now();
    const event = await signInStarted(user, now);
    await diesAfterRecord(event, now + SECOND);
    // Cognito retries one at a time: a call beside its live retry is someone replaying the context.
    await Promise.all([6, 6, 7].map((s) => postAuth(event, now + s * SECOND)));
    expect(learned.filter((attempt) => attempt.contextReplayed !== true)).toHaveLength(1);
    expect(await ipState(user.home.ip)).toMatchObject({ successes: 1, accounts: 0 });
    expect(await mailsTo(user)).toHaveLength(1);
  });

  it('race: concurrent identical retries of one record (an unsigned sign-in with its requestId) learn once', async () => {
    learned.length = 0;
    const user = newUser();
    const now = Date.now();
    const event = postEvent(user, { requestId: `req-${user.sub}` });
    // Without a context there is no context claim: the account-state read, the marker, the record.
    await diesAfterRecord(event, now, 3);
    expect(await signInRecords(user)).toHaveLength(1);
    expect(learned).toHaveLength(0);
    await Promise.all([6, 6, 6, 7].map((s) => postAuth(event, now + s * SECOND)));
    expect(learned).toHaveLength(1);
    expect(learned[0]?.at).toBe(now); // the sign-in's own time, as the first call recorded it
    expect(await signInRecords(user)).toHaveLength(1);
    expect(await signInRecords(user)).toEqual([expect.objectContaining({ learnedAt: expect.any(Number) })]);
  });

  it('regression: a first call that learned but could not mark it (the table hung after the learning): the retry learns again, pays back and mails once', async () => {
    learned.length = 0;
    const user = newUser();
    const now = Date.now();
    const event = await signInStarted(user, now);
    const hangsAfterLearning: RiskHooks = {
      ...risk,
      learn: async (attempt) => {
        learned.push(attempt);
        const result = await risk.learn(attempt);
        proxy.set({ kind: 'latency', ms: 3_000 });
        return result;
      },
    };
    await withInvocationDeadline({ getRemainingTimeInMillis: () => 1_500 }, () =>
      post.postAuthentication(
        structuredClone(event),
        settings,
        hangsAfterLearning,
        now + SECOND,
        async () => [],
      ),
    );
    proxy.set({ kind: 'none' });
    expect(await ipState(user.home.ip)).toMatchObject({ successes: 1, accounts: 0 });
    expect(await mailsTo(user)).toHaveLength(0); // the mail is claimed before it is sent: not claimed
    await postAuth(event, now + 6 * SECOND);
    expect(learned).toHaveLength(2); // learned again: the first call's learning was never marked
    expect(await ipState(user.home.ip)).toMatchObject({ successes: 1, accounts: 0 });
    expect(await mailsTo(user)).toHaveLength(1);
  });
});

describe('post authentication: store calls', () => {
  const calls = async (event: PostAuthenticationEvent, learn: RiskHooks['learn']) => {
    const { storeCalls } = await import('./support.js');
    const engine: RiskHooks = { ...risk, learn };
    return storeCalls(() =>
      post.postAuthentication(structuredClone(event), settings, engine, Date.now(), async () => []),
    );
  };
  const nothingToMail: RiskHooks['learn'] = async () => ({});

  it("a signed sign-in's first call, no mail: the steps' mark shares the answer's round trip (one UpdateItem more, no round trip)", async () => {
    const user = newUser();
    expect(
      await calls(postEvent(user, signed(user.userName, Date.now(), { place: user.home })), nothingToMail),
    ).toEqual({
      roundTrips: 7,
      commands: [
        'BatchGetCommand',
        'GetCommand',
        'PutCommand',
        'PutCommand',
        'PutCommand',
        'PutCommand',
        'QueryCommand',
        ...Array(7).fill('UpdateCommand'),
      ],
    });
  });

  it('a first call with a mail to send: the mail is claimed on the record before it is sent (one round trip more)', async () => {
    const user = newUser();
    const mailing: RiskHooks['learn'] = async () => ({ notify: 'new-device' });
    const signedCalls = await calls(
      postEvent(user, signed(user.userName, Date.now(), { place: user.home })),
      mailing,
    );
    expect(signedCalls.roundTrips).toBe(8);
    expect(await mailsTo(user)).toHaveLength(1);
  });

  it('an unsigned first call: the mark is a round trip of its own (there is no context answer to share)', async () => {
    const user = newUser();
    expect((await calls(postEvent(user, { requestId: `req-${user.sub}` }), nothingToMail)).roundTrips).toBe(
      6,
    );
  });
});
