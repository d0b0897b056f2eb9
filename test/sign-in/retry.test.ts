import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localContext } from '../../scripts/local/registry.js';
import { deadlineSignal, withInvocationDeadline } from '../../shared/aws/deadline.js';
import { loadSettings } from '../../shared/config/settings.js';
import { UserFacingError } from '../../shared/errors/index.js';
import type { PreAuthenticationEvent } from '../../shared/events/index.js';
import {
  configuredRiskEngine,
  noRiskEngine,
  type RiskDecision,
  type RiskHooks,
  type SignInAttempt,
} from '../../shared/risk/contract.js';
import { verifiedContext } from '../../shared/risk/facts.js';
import { loadRiskConfig } from '../../shared/risk/settings.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { captureOutput, logLines } from '../support/logs.js';
import { CLIENT, HOME, sides, signed, succeed } from './support.js';

/**
 * Cognito's retries under overload (issue 13). Cognito invokes a trigger again with the same event
 * when the first invocation did not answer within its 5 s: that retry is the same attempt (one
 * count, the same decision, no replay), while a captured context sent again by anyone else is
 * still a replay (counted, scored). Against dynalite, behind the fault proxy (latency injected
 * where a case says so).
 */
const SECRET = 'a-context-secret-of-at-least-32-characters!';
const local = useLocalEmulators({
  RISK_CONTEXT_SECRET: SECRET,
  SES_FROM_ADDRESS: 'auth@gatehouse.test',
  // The handler's lockout policy (read at its cold start): three attempts without a success.
  GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '3',
  GATEHOUSE_LOCKOUT_WINDOW_SECONDS: '900',
});
let proxy: FaultProxy;
let pre: typeof import('../../shared/sign-in/pre-authentication.js');

beforeAll(async () => {
  proxy = await startFaultProxy(local.dynamo.endpoint, 'dynamodb');
  process.env.DYNAMODB_ENDPOINT = proxy.endpoint;
  pre = await import('../../shared/sign-in/pre-authentication.js');
});
afterAll(async () => {
  await proxy?.stop();
});

const settings = loadSettings(signInSettingSpecs, {
  env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '5', GATEHOUSE_LOCKOUT_WINDOW_SECONDS: '900' },
  file: {},
});
const T0 = Date.UTC(2031, 4, 6, 9, 0, 0);
const SECOND = 1_000;
const allow: RiskDecision = { level: 'low', score: 0, action: 'allow', reasons: [] };
const block: RiskDecision = { level: 'high', score: 90, action: 'block', reasons: [] };

/** What the risk engine was asked; the engine the triggers are given (`engine` sets it). */
const assessed: SignInAttempt[] = [];
let risk: RiskHooks = noRiskEngine;
/** The engine the next calls are given: it answers `decision` after `delayMs`. */
function engine(decision: RiskDecision = allow, delayMs = 0, learn: RiskHooks['learn'] = noRiskEngine.learn) {
  risk = {
    ...noRiskEngine,
    verify: async (attempt) => verifiedContext(attempt, loadRiskConfig()),
    learn,
    assess: async (attempt) => {
      assessed.push(attempt);
      if (delayMs > 0) await sleep(delayMs);
      return decision;
    },
  };
}
beforeEach(() => {
  assessed.length = 0;
  proxy.set({ kind: 'none' });
  engine();
});

let counter = 0;
function newUser() {
  const sub = `rt${++counter}-${Date.now()}`;
  return { sub, userName: `kim${counter}-${Date.now()}` };
}

function preEvent(user: { sub: string; userName: string }, context: Record<string, string>) {
  const e = sampleEvent<PreAuthenticationEvent>('PreAuthentication_Authentication');
  e.userName = user.userName;
  e.callerContext.clientId = CLIENT;
  e.request.userAttributes = { ...e.request.userAttributes, sub: user.sub };
  e.request.validationData = context;
  return e;
}

async function outcomeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'allowed';
  } catch (error) {
    if (error instanceof UserFacingError) return error.code;
    throw error;
  }
}

const initiate = (user: { sub: string; userName: string }, context: Record<string, string>, at: number) =>
  outcomeOf(pre.preAuthentication(preEvent(user, context), settings, risk, at));

/** The same call as one that runs out of time: its invocation has `remainingMs` left (1/2 s less, its deadline). */
const within = <T>(remainingMs: number, work: () => Promise<T>) =>
  withInvocationDeadline({ getRemainingTimeInMillis: () => remainingMs }, work);

const signInRecords = async (sub: string) =>
  (await local.dynamo.scan())
    .filter((item) => item.pk === `USER#${sub}` && String(item.sk).startsWith('SIGNIN#'))
    .sort((a, b) => Number(a.at) - Number(b.at));

describe("Cognito's retry of pre authentication", () => {
  it('retry: a pre authentication that decided too late for Cognito (4.1 s): its identical retry gets that decision (a block stays a block), one count, no replay', async () => {
    const user = newUser();
    const context = signed(user.userName, T0);
    // The engine answers after 4.1 s, before the invocation's deadline (4.5 s) but past the 4 s an
    // answer has to reach Cognito in: Cognito has given up and retries.
    engine(block, 4_100);
    expect(await within(5_000, () => initiate(user, context, T0))).toBe('SIGN_IN_RISK_BLOCKED');
    engine(allow);
    expect(await initiate(user, context, T0 + 5 * SECOND)).toBe('SIGN_IN_RISK_BLOCKED');
    expect(await sides(local.dynamo, user.sub)).toEqual({ unfamiliar: 1 });
    // The retry took the first call's decision: the engine was asked once, never about a replay.
    expect(assessed).toHaveLength(1);
    expect(assessed[0]?.contextReplayed).toBeUndefined();
  });

  it('retry: a pre authentication that ran out of time before deciding: its retry decides, counts nothing more and is no replay', async () => {
    const user = newUser();
    const context = signed(user.userName, T0);
    // The engine is still reading when the deadline passes (a hung store): the call fails.
    risk = {
      ...noRiskEngine,
      assess: (attempt) => {
        assessed.push(attempt);
        const signal = deadlineSignal();
        return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
      },
    };
    await expect(within(800, () => initiate(user, context, T0))).rejects.toThrow(/deadline/i);
    engine();
    expect(await initiate(user, context, T0 + 5 * SECOND)).toBe('allowed');
    expect(await sides(local.dynamo, user.sub)).toEqual({ unfamiliar: 1 });
    expect(assessed.map((a) => [a.retried === true, a.contextReplayed === true])).toEqual([
      [false, false],
      [true, false],
    ]);
  });

  it('replay: the same context after its sign-in answered in time is a replay: counted and scored', async () => {
    const user = newUser();
    const context = signed(user.userName, T0);
    expect(await initiate(user, context, T0)).toBe('allowed');
    expect(await initiate(user, context, T0 + 5 * SECOND)).toBe('allowed');
    expect(await sides(local.dynamo, user.sub)).toEqual({ unfamiliar: 2 });
    expect(assessed.map((a) => a.contextReplayed === true)).toEqual([false, true]);
  });

  it("attack: a captured context replayed while its sign-in's time is not up is a replay; after Cognito's retry answered, again", async () => {
    const user = newUser();
    const context = signed(user.userName, T0);
    // The user's own call is slow (it runs out of time), and the attacker replays at once.
    engine(allow, 600);
    const own = within(900, () => initiate(user, context, T0));
    await sleep(100);
    engine();
    expect(await initiate(user, context, T0 + 100)).toBe('allowed');
    expect(await own).toBe('allowed');
    expect(await sides(local.dynamo, user.sub)).toEqual({ unfamiliar: 2 });
    // Cognito's retry is the same attempt; it answers in time, so the next use is a replay.
    expect(await initiate(user, context, T0 + 6 * SECOND)).toBe('allowed');
    expect(await sides(local.dynamo, user.sub)).toEqual({ unfamiliar: 2 });
    expect(await initiate(user, context, T0 + 12 * SECOND)).toBe('allowed');
    expect(await sides(local.dynamo, user.sub)).toEqual({ unfamiliar: 3 });
    expect(assessed.map((a) => [a.contextReplayed === true, a.retried === true])).toEqual([
      [false, false],
      [true, false],
      [false, true],
      [true, false],
    ]);
  });

  it('attack: past three retries of a sign-in that never answered in time, or past the retry window, a use is a replay', async () => {
    const user = newUser();
    const context = signed(user.userName, T0);
    // Every call of this sign-in decides too late.
    engine(allow, 400);
    const late = (at: number) => within(800, () => initiate(user, context, at));
    for (let call = 0; call <= 3; call++) expect(await late(T0 + call * 6 * SECOND)).toBe('allowed');
    expect(await sides(local.dynamo, user.sub)).toEqual({ unfamiliar: 1 });
    expect(await late(T0 + 24 * SECOND)).toBe('allowed');
    expect(await sides(local.dynamo, user.sub)).toEqual({ unfamiliar: 2 });
    expect(assessed.at(-1)?.contextReplayed).toBe(true);

    const other = newUser();
    const captured = signed(other.userName, T0);
    expect(await within(800, () => initiate(other, captured, T0))).toBe('allowed');
    expect(await initiate(other, captured, T0 + 31 * SECOND)).toBe('allowed');
    expect(await sides(local.dynamo, other.sub)).toEqual({ unfamiliar: 2 });
    expect(assessed.at(-1)?.contextReplayed).toBe(true);
  });
});

describe('pre authentication without a signed context', () => {
  // Cognito's event carries no id of its own: the retry of an unsigned InitiateAuth and a
  // stranger's next InitiateAuth with the same (claimed) metadata are the same bytes.
  const unsigned = { ip: '198.51.100.7', deviceId: 'laptop-1', requestId: 'same-request' };

  it('unsigned: a retried pre authentication counts again (the documented cost: nothing Cognito sends tells it from a new attempt)', async () => {
    const user = newUser();
    engine(allow, 400);
    expect(await within(800, () => initiate(user, unsigned, T0))).toBe('allowed');
    engine();
    expect(await initiate(user, unsigned, T0 + 5 * SECOND)).toBe('allowed');
    expect(await sides(local.dynamo, user.sub)).toEqual({ unfamiliar: 2 });
    expect(assessed.map((a) => a.retried === true)).toEqual([false, false]);
  });

  it('attack: identical unsigned attempts after one that ran out of time each count, and lock the side at the limit: no event detail makes a guess pass as a retry', async () => {
    const user = newUser();
    engine(allow, 400);
    expect(await within(800, () => initiate(user, unsigned, T0))).toBe('allowed');
    engine();
    const outcomes: string[] = [];
    for (let call = 1; call <= 5; call++) outcomes.push(await initiate(user, unsigned, T0 + call * SECOND));
    // The limit is 5: the sixth attempt within the window is refused and locks the side.
    expect(outcomes).toEqual(['allowed', 'allowed', 'allowed', 'allowed', 'SIGN_IN_LOCKED']);
    expect(await sides(local.dynamo, user.sub)).toEqual({ unfamiliar: 6 });
  });
});

describe("Cognito's retry of post authentication", () => {
  it("post authentication: a success reusing another sign-in's requestId keeps its own record (keyed on its own context's nonce)", async () => {
    const user = newUser();
    const learned: SignInAttempt[] = [];
    engine(allow, 0, async (attempt) => {
      learned.push(attempt);
      return {};
    });
    await succeed(
      user,
      signed(user.userName, T0, { place: HOME, extra: { requestId: 'shared-request' } }),
      T0,
      settings,
      risk,
    );
    // Another sign-in of the same user and app client sends the first one's requestId.
    const elsewhere = { ip: '203.0.113.9', deviceId: 'other-box' };
    await succeed(
      user,
      signed(user.userName, T0 + SECOND, { place: elsewhere, extra: { requestId: 'shared-request' } }),
      T0 + SECOND,
      settings,
      risk,
    );
    const records = await signInRecords(user.sub);
    expect(records).toHaveLength(2);
    expect(records.map((r) => r.deviceId)).toEqual([HOME.deviceId, elsewhere.deviceId]);
    expect(learned).toHaveLength(2);
  });

  it('post authentication: the retry of a success that answered too late is the same sign-in; after an answer in time, the context is a replay', async () => {
    const user = newUser();
    const learned: SignInAttempt[] = [];
    const learn: RiskHooks['learn'] = async (attempt) => {
      learned.push(attempt);
      return {};
    };
    const context = signed(user.userName, T0);
    engine(allow, 0, async (attempt) => {
      await sleep(500);
      return learn(attempt);
    });
    await within(800, () => succeed(user, context, T0, settings, risk));
    engine(allow, 0, learn);
    // Cognito's retry: no record more. The first call's learning ran past its deadline, so it could
    // not mark it done on the record: the retry learns again (each write of the learning is once per
    // sign-in by itself: test/sign-in/post-auth-resume.test.ts).
    await succeed(user, context, T0 + 5 * SECOND, settings, risk);
    expect(await signInRecords(user.sub)).toHaveLength(1);
    await succeed(user, context, T0 + 10 * SECOND, settings, risk); // the retry answered in time: now a replay
    const records = await signInRecords(user.sub);
    expect(records).toHaveLength(2);
    expect(records[1]).not.toHaveProperty('deviceId');
    expect(learned.map((a) => a.contextReplayed === true)).toEqual([false, false, true]);
  });
});

describe('overload reproduction through the pre authentication handler (issue 13)', () => {
  it('overload: sign-ins whose pre authentication times out (table latency) and is retried by Cognito lock no one, score no replay, and count once each', async () => {
    const { handler } = await import('../../functions/pre-authentication.js');
    // The handler's own engine, as deployed; post authentication gets the same one.
    risk = configuredRiskEngine();
    const user = newUser();
    const invoke = (event: PreAuthenticationEvent, timeoutMs: number) =>
      captureOutput(() =>
        outcomeOf(handler(structuredClone(event) as never, localContext('pre-authentication', timeoutMs))),
      );
    // Home becomes familiar with a first sign-in.
    await succeed(user, signed(user.userName, Date.now()), Date.now(), settings, risk);
    const answers: string[] = [];
    const logs: Record<string, unknown>[] = [];
    // Five sign-ins (the handler's limit is 3 attempts without a success) on one overloaded day.
    for (let signIn = 0; signIn < 5; signIn++) {
      const event = preEvent(user, signed(user.userName, Date.now()));
      // The table answers the claim, the lockout read and the count, then hangs: the risk
      // engine's reads run past the invocation's deadline (1 s), so Cognito sees no answer.
      proxy.set({ kind: 'latency', ms: 1_500, after: 3 });
      logs.push(...logLines((await invoke(event, 1_500)).output));
      proxy.set({ kind: 'none' });
      const retry = await invoke(event, 5_000); // Cognito's retry, the same event
      answers.push(String(retry.result));
      logs.push(...logLines(retry.output));
      await succeed(user, event.request.validationData ?? {}, Date.now(), settings, risk);
    }
    expect(answers).toEqual(Array(5).fill('allowed'));
    // Each retry was the same attempt: no replay scored, nothing on the unfamiliar side, none left.
    const assessments = logs.filter((line) => line.message === 'risk assessed');
    expect(assessments.length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(assessments)).not.toContain('context-replayed');
    expect(await sides(local.dynamo, user.sub)).toEqual({ familiar: 0 });
    const locks = (await local.dynamo.scan()).filter(
      (item) => item.pk === `IDENTITY#sub#${user.sub}` && String(item.sk).startsWith('LOCKED#'),
    );
    expect(locks).toHaveLength(0);
  });
});
