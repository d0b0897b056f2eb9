import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parseCidr } from '../../shared/risk/ip.js';
import { keys, userNameId } from '../../shared/storage/keys.js';
import { useLocalDynamo } from '../support/emulators.js';
import { DAY, HOUR, NOW, PLACES, signInAttempt, testConfig, testGeo } from './support/fixtures.js';

/**
 * The engine on dynalite: what it reads (one Query), what it counts per user and per IP, what
 * it records, how many store calls each evaluation costs, and what it does when the store fails.
 */
const local = useLocalDynamo();

const table = await import('../../shared/storage/table.js');
const { createRiskEngine } = await import('../../shared/risk/engine.js');
const { dynamoRiskStore, historyFromItems } = await import('../../shared/risk/store.js');
const { applyRiskFeedback } = await import('../../shared/risk/feedback.js');

let userCounter = 0;
/** A fresh user per test, so tests share the table without sharing history. */
function freshUser(): string {
  userCounter += 1;
  return `user-${userCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

async function put(item: Record<string, unknown>) {
  await table.documentClient().send(new PutCommand({ TableName: table.tableName(), Item: item }));
}

/** A sign-in record and device as post authentication (issue 5) writes them. */
async function recordSignIn(userId: string, at: number, place: keyof typeof PLACES, deviceKey = 'laptop-1') {
  const p = PLACES[place];
  const id = `s${at}`;
  await put({
    pk: keys.user(userId),
    sk: keys.signIn(new Date(at).toISOString(), id),
    at,
    clientId: 'web-client',
    deviceKey,
    ip: p.ip,
    userAgent: 'Mozilla/5.0',
    country: p.country,
    latitude: p.latitude,
    longitude: p.longitude,
    outcome: 'success',
    expiresAt: Math.floor(at / 1000) + 90 * 86_400,
  });
  await put({ pk: keys.user(userId), sk: keys.device(deviceKey), firstSeen: at - 100 * DAY, lastSeen: at });
}

const ranges = (...cidrs: string[]) => cidrs.map((cidr) => parseCidr(cidr)!);
const engineFor = (overrides = {}) => {
  const config = testConfig(overrides);
  return createRiskEngine(config, { store: dynamoRiskStore(config.historyLimit), geo: testGeo() });
};
const attemptOf = (userId: string, options: Parameters<typeof signInAttempt>[0] = {}) => ({
  ...signInAttempt(options),
  userId,
});

describe('history from the items of a user partition', () => {
  it('reads sign-ins, devices, the profile flag, feedback and the latest assessment, skipping what expired or failed', () => {
    const windowStart = NOW - 5 * 60_000;
    const { history, latest } = historyFromItems(
      [
        {
          sk: keys.signIn(new Date(NOW - HOUR).toISOString(), 'a'),
          at: NOW - HOUR,
          ip: '::ffff:203.0.113.10',
          deviceId: 'laptop-1',
          country: 'us',
          latitude: '40.7',
          longitude: -74,
        },
        { sk: keys.signIn(new Date(NOW - 2 * HOUR).toISOString(), 'b'), ip: '203.0.113.11' }, // time from the key
        {
          sk: keys.signIn(new Date(NOW - 3 * HOUR).toISOString(), 'c'),
          at: NOW - 3 * HOUR,
          outcome: 'blocked',
        },
        {
          sk: keys.signIn(new Date(NOW - 4 * HOUR).toISOString(), 'd'),
          at: NOW - 4 * HOUR,
          expiresAt: Math.floor(NOW / 1000) - 1,
        },
        { sk: keys.signIn(new Date(NOW - 1000).toISOString(), 'e'), at: NOW - 1000 }, // this very sign-in
        {
          sk: keys.device('laptop-1'),
          firstSeen: new Date(NOW - 10 * DAY).toISOString(),
          lastSeen: NOW - HOUR,
        },
        { sk: keys.device('phone-2'), firstSeen: NOW - 2000, lastSeen: NOW - 2000 }, // recorded by this sign-in
        { sk: keys.profile(), compromisedCredentials: true },
        { sk: keys.riskDevice('stolen'), trust: 'distrusted' },
        { sk: keys.riskNetwork('198.51.100.0/24'), trust: 'trusted' },
        { sk: keys.riskNetwork('192.0.2.0/24'), trust: 'trusted', expiresAt: Math.floor(NOW / 1000) - 1 },
        {
          sk: keys.riskAssessment(),
          level: 'medium',
          windowStart,
          failures: 3,
          eventId: 'e1',
          at: NOW - 60_000,
        },
      ],
      NOW,
      windowStart,
    );
    expect(history.signIns).toEqual([
      {
        at: NOW - HOUR,
        ip: '203.0.113.10',
        network: '203.0.113.0/24',
        country: 'US',
        latitude: 40.7,
        longitude: -74,
        deviceId: 'laptop-1',
      },
      { at: NOW - 2 * HOUR, ip: '203.0.113.11', network: '203.0.113.0/24' },
    ]);
    expect(history.devices).toEqual([{ id: 'laptop-1', firstSeen: NOW - 10 * DAY, lastSeen: NOW - HOUR }]);
    expect(history.compromisedCredentials).toBe(true);
    expect(history.distrustedDevices).toEqual(['stolen']);
    expect(history.trustedNetworks).toEqual(['198.51.100.0/24']);
    expect(history.userFailures).toBe(3);
    expect(latest?.eventId).toBe('e1');
  });

  it('forgets the attempt counter of an earlier window', () => {
    const { history } = historyFromItems(
      [{ sk: keys.riskAssessment(), windowStart: 1, failures: 9 }],
      NOW,
      2,
    );
    expect(history.userFailures).toBe(0);
  });
});

describe('the engine on dynalite', () => {
  let sends: ReturnType<typeof vi.spyOn>;
  beforeEach(async () => {
    sends?.mockRestore();
    // Per-IP counters are shared by every user: each test starts with none.
    for (const item of await local.dynamo.scan()) {
      if (String(item.pk).startsWith('IP#')) {
        await table
          .documentClient()
          .send(new DeleteCommand({ TableName: table.tableName(), Key: { pk: item.pk, sk: item.sk } }));
      }
    }
    sends = vi.spyOn(table.documentClient(), 'send');
  });
  const callsSince = () => sends.mock.calls.map((call: unknown[]) => (call[0] as object).constructor.name);

  it('scores a returning user low from the stored history, in one Query plus the IP counter (and its failed-invite Query) and one write', async () => {
    const userId = freshUser();
    for (let day = 1; day <= 6; day++) await recordSignIn(userId, NOW - day * DAY, 'home');
    sends.mockClear();
    const decision = await engineFor().assess(attemptOf(userId));
    expect(decision).toMatchObject({ level: 'low', score: 0, action: 'allow', reasons: [] });
    // + the assessment log's PutItem, in the same round trip as the assessment; the signed IP's
    // failed-invite Query beside the history's.
    expect(callsSince().sort()).toEqual([
      'PutCommand',
      'QueryCommand',
      'QueryCommand',
      'UpdateCommand',
      'UpdateCommand',
    ]);
    const latest = (await local.dynamo.scan()).find(
      (i) => i.pk === keys.user(userId) && i.sk === keys.riskAssessment(),
    );
    expect(latest).toMatchObject({
      level: 'low',
      score: 0,
      eventId: decision.eventId,
      failures: 1,
      ip: PLACES.home.ip,
    });
  });

  it('blocks New York then Tokyo an hour later in enforce mode, and records high', async () => {
    const userId = freshUser();
    await recordSignIn(userId, NOW - 30 * DAY, 'home');
    await recordSignIn(userId, NOW - HOUR, 'home');
    const decision = await engineFor().assess(attemptOf(userId, { place: 'tokyo' }));
    expect(decision).toMatchObject({ level: 'high', action: 'block' });
    expect(decision.reasons.map((r) => r.signal)).toContain('impossible-travel');
    const latest = (await local.dynamo.scan()).find(
      (i) => i.pk === keys.user(userId) && i.sk === keys.riskAssessment(),
    );
    expect(latest).toMatchObject({ level: 'high', action: 'block' });
  });

  it('only records in audit mode', async () => {
    const userId = freshUser();
    await recordSignIn(userId, NOW - HOUR, 'home');
    const decision = await engineFor({ mode: 'audit' }).assess(attemptOf(userId, { place: 'tokyo' }));
    expect(decision).toMatchObject({ level: 'high', action: 'allow', wouldTake: 'block' });
  });

  it('counts attempts per user until a success clears them', async () => {
    const userId = freshUser();
    await recordSignIn(userId, NOW - DAY, 'home');
    const engine = engineFor();
    const levels: string[] = [];
    for (let i = 0; i < 6; i++) {
      const decision = await engine.assess(attemptOf(userId, { at: NOW + i * 1000 }));
      levels.push(decision.reasons.map((r) => r.signal).join(',') || '-');
    }
    expect(levels).toEqual(['-', '-', '-', '-', '-', 'user-failed-attempts']);
    await engine.learn(attemptOf(userId, { at: NOW + 7000 }));
    const after = await engine.assess(attemptOf(userId, { at: NOW + 8000 }));
    expect(after.reasons).toEqual([]);
  });

  it('sees credential stuffing: many accounts, then many failures, from one IP', async () => {
    const engine = engineFor();
    const ip = '100.64.77.1';
    const signals: string[][] = [];
    for (let i = 0; i < 21; i++) {
      const decision = await engine.assess(attemptOf(freshUser(), { ip, deviceId: null, at: NOW + i }));
      signals.push(decision.reasons.map((r) => r.signal));
    }
    expect(signals[3]).toEqual([]);
    expect(signals[4]).toEqual(['ip-many-accounts']);
    expect(signals[19]).toEqual(['ip-many-accounts']);
    expect(signals[20]).toEqual(['ip-failed-attempts', 'ip-many-accounts']);
    const counter = (await local.dynamo.scan()).find((i) => i.pk === keys.ip(ip));
    expect(counter).toMatchObject({ attempts: 21 });
    expect((counter!.accounts as Set<string>).size).toBe(21);
    expect(counter!.expiresAt).toBeGreaterThan(Math.floor(NOW / 1000));
  });

  it('does not take an office behind one IP for credential stuffing: successes leave the account count', async () => {
    const engine = engineFor();
    const ip = '100.64.88.1';
    for (let i = 0; i < 8; i++) {
      const userId = freshUser();
      await engine.assess(attemptOf(userId, { ip, deviceId: null, at: NOW + i * 10 }));
      await engine.learn(attemptOf(userId, { ip, deviceId: null, at: NOW + i * 10 + 5 }));
    }
    const ninth = await engine.assess(attemptOf(freshUser(), { ip, deviceId: null, at: NOW + 100 }));
    expect(ninth.reasons).toEqual([]);
    const counter = (await local.dynamo.scan()).find((i) => i.pk === keys.ip(ip));
    expect(counter).toMatchObject({ attempts: 9, successes: 8 });
  });

  describe('attack 4: per-IP signals count only signed IPs', () => {
    const run = async (engine: ReturnType<typeof engineFor>, options: (i: number) => object) => {
      const outcomes: string[] = [];
      for (let i = 0; i < 25; i++) {
        const decision = await engine.assess(
          attemptOf(freshUser(), { deviceId: null, at: NOW + i, ...options(i) }),
        );
        outcomes.push(decision.action);
      }
      return outcomes;
    };

    it('rotating or omitting the claimed IP counts nothing per IP, and each unsigned attempt is a signal itself', async () => {
      const engine = engineFor();
      const rotating = await run(engine, (i) => ({ ip: `100.64.${i}.9`, sign: 'none' }));
      const omitted = await run(engine, () => ({ ip: '', sign: 'none' }));
      expect(new Set([...rotating, ...omitted])).toEqual(new Set(['step-up']));
      const counters = (await local.dynamo.scan()).filter((i) => String(i.pk).startsWith('IP#100.64.'));
      expect(counters.filter((c) => /^IP#100\.64\.\d+\.9$/.test(String(c.pk)))).toEqual([]);
    });

    it('the same run from one signed IP is seen: blocked from the 21st attempt', async () => {
      const outcomes = await run(engineFor(), () => ({ ip: '100.64.200.1' }));
      expect(outcomes.filter((a) => a === 'block')).toHaveLength(5);
      expect(outcomes.slice(0, 4)).toEqual(['allow', 'allow', 'allow', 'allow']);
    });

    it("a success on the attacker's own account reported from the stuffing IP pays back nothing", async () => {
      const engine = engineFor();
      const ip = '100.64.201.1';
      await run(engine, () => ({ ip }));
      const own = freshUser();
      // Pre authentication without the signed IP (not counted there), success reported from it.
      await engine.assess(attemptOf(own, { sign: 'none', at: NOW + 100 }));
      await engine.learn(attemptOf(own, { ip, nonce: 'attacker-success-1', at: NOW + 200 }));
      await engine.learn(attemptOf(own, { ip, at: NOW + 300 }));
      const counter = (await local.dynamo.scan()).find((i) => i.pk === keys.ip(ip));
      expect(counter).toMatchObject({ attempts: 25 });
      expect(counter!.successes).toBeUndefined();
    });
  });

  describe('attack 6: allowed ranges admit only signed IPs', () => {
    const office = { allowedRanges: ranges('100.64.0.0/16') };
    it.each([
      ['unsigned, signatures required', { sign: 'none' }, {}],
      ['forged', { sign: 'forge' }, {}],
      ['stale', { sign: 'stale' }, {}],
      ['unsigned, signatures optional', { sign: 'none' }, { contextSignature: 'optional' }],
    ] as const)('%s: no allowed-range', async (_, attempt, config) => {
      const decision = await engineFor({ ...office, ...config }).assess(
        attemptOf(freshUser(), { place: 'berlin', ...attempt }),
      );
      expect(decision.reasons.map((r) => r.signal)).not.toContain('allowed-range');
    });

    it('signed: allowed', async () => {
      const decision = await engineFor(office).assess(attemptOf(freshUser(), { place: 'berlin' }));
      expect(decision).toMatchObject({ score: 0, reasons: [{ signal: 'allowed-range' }] });
    });
  });

  it('attack 9: a store outage never downgrades a blocked range (block, 100), nor needs the store for it', async () => {
    sends.mockRejectedValue(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const decision = await engineFor({ blockedRanges: ranges('198.51.100.0/24') }).assess(
      attemptOf(freshUser(), { place: 'tokyo' }),
    );
    expect(decision).toMatchObject({ level: 'high', score: 100, action: 'block' });
    expect(decision.reasons.map((r) => r.signal)).toEqual(['blocked-range', 'assessment-unavailable']);
  });

  it('define auth challenge takes the assessment of the same sign-in by its nonce, in one conditional UpdateItem, counting nothing', async () => {
    const userId = freshUser();
    await recordSignIn(userId, NOW - 2 * DAY, 'home');
    const engine = engineFor();
    const context = { deviceId: 'phone-9', place: 'mobileSameCity', nonce: 'sign-in-nonce-1' } as const;
    const first = await engine.assess(attemptOf(userId, context));
    expect(first).toMatchObject({ level: 'medium', action: 'step-up' });
    sends.mockClear();
    const again = await engine.assess({
      ...attemptOf(userId, { ...context, at: NOW + 40_000 }),
      phase: 'define-auth-challenge',
    });
    expect(again).toEqual(first);
    expect(callsSince()).toEqual(['UpdateCommand']);
    const latest = (await local.dynamo.scan()).find(
      (i) => i.pk === keys.user(userId) && i.sk === keys.riskAssessment(),
    );
    expect(latest!.failures).toBe(1);
  });

  it("define auth challenge's decision is given once per sign-in and attempt: the attempt that took it gets it again (one UpdateItem each, counting nothing); another attempt, or none, finds it taken", async () => {
    const userId = freshUser();
    await recordSignIn(userId, NOW - 2 * DAY, 'home');
    const engine = engineFor();
    const home = attemptOf(userId, { place: 'home', nonce: 'retried-define-1' });
    const assessed = await engine.assess(home);
    expect(assessed).toMatchObject({ level: 'low', action: 'allow' });
    const define = (attemptId?: string, later = 5_000) =>
      engine.assess({
        ...home,
        at: NOW + later,
        phase: 'define-auth-challenge',
        ...(attemptId ? { attemptId } : {}),
      });
    const attempt = 'retried-define-1#define#2';
    sends.mockClear();
    expect(await define(attempt)).toEqual(assessed);
    // Cognito's retry of that call (it died before recording its answer): the same decision.
    expect(await define(attempt, 10_000)).toEqual(assessed);
    expect(callsSince()).toEqual(['UpdateCommand', 'UpdateCommand']);
    // Another call of the sign-in (a later step, a captured context) and a call without an attempt: step-up.
    for (const other of ['retried-define-1#define#3', undefined])
      expect(await define(other)).toMatchObject({
        action: 'step-up',
        reasons: [{ signal: 'assessment-not-found' }],
      });
    const items = await local.dynamo.scan();
    const kept = items.find((i) => i.pk === keys.signInContext('retried-define-1'));
    // The first take's time stays; the attempt is the one that took it.
    expect(kept).toMatchObject({ decidedAt: NOW + 5_000, decidedBy: attempt });
    // Counted once: pre authentication's attempt only.
    expect(items.find((i) => i.pk === keys.user(userId) && i.sk === keys.riskAssessment())).toMatchObject({
      failures: 1,
      eventId: assessed.eventId,
    });
  });

  it('define auth challenge: an attempt that was not the first to take the decision never gets it, even when it comes first with an attempt id after a take without one', async () => {
    const userId = freshUser();
    await recordSignIn(userId, NOW - 2 * DAY, 'home');
    const engine = engineFor();
    const home = attemptOf(userId, { place: 'home', nonce: 'taken-plainly-1' });
    await engine.assess(home);
    const define = (attemptId?: string) =>
      engine.assess({
        ...home,
        at: NOW + 5_000,
        phase: 'define-auth-challenge',
        ...(attemptId ? { attemptId } : {}),
      });
    expect(await define()).toMatchObject({ action: 'allow' });
    expect(await define('taken-plainly-1#define#2')).toMatchObject({ action: 'step-up' });
  });

  describe('attack 3: the step-up is bound to the assessment, never to claimed facts', () => {
    /** A medium-risk sign-in (new phone, new network): pre authentication asked for the step-up. */
    async function steppedUp() {
      const userId = freshUser();
      await recordSignIn(userId, NOW - 2 * DAY, 'home');
      const engine = engineFor();
      const pre = attemptOf(userId, {
        deviceId: 'phone-9',
        place: 'mobileSameCity',
        nonce: 'attacker-nonce-1',
      });
      expect(await engine.assess(pre)).toMatchObject({ action: 'step-up' });
      const define = (metadata: Record<string, string>) =>
        engine.assess({ ...pre, at: NOW + 5_000, metadata, phase: 'define-auth-challenge' });
      return { userId, pre, define, engine };
    }

    it('RespondToAuthChallenge with {} gets the step-up (optional signatures too)', async () => {
      const { define } = await steppedUp();
      expect(await define({})).toMatchObject({
        action: 'step-up',
        reasons: [{ signal: 'assessment-not-found' }],
      });
      const optional = engineFor({ contextSignature: 'optional' });
      const userId = freshUser();
      const attempt = attemptOf(userId, { sign: 'none', nonce: 'unsigned-nonce-1' });
      await optional.assess(attempt);
      expect(
        await optional.assess({ ...attempt, metadata: {}, phase: 'define-auth-challenge' }),
      ).toMatchObject({ action: 'step-up' });
    });

    it('the home context (claimed, unsigned) gets the step-up', async () => {
      const { define } = await steppedUp();
      const home = signInAttempt({ place: 'home', deviceId: 'laptop-1', sign: 'none' }).metadata;
      expect(await define(home)).toMatchObject({ action: 'step-up' });
    });

    it('a re-split (forged) copy of the signed context gets the step-up', async () => {
      const { pre, define } = await steppedUp();
      const resplit = { ...pre.metadata, ip: PLACES.home.ip, deviceId: 'laptop-1' };
      expect(await define(resplit)).toMatchObject({ action: 'step-up' });
    });

    it('a valid home context of another sign-in (another nonce) gets the step-up', async () => {
      const { define } = await steppedUp();
      const home = signInAttempt({
        place: 'home',
        deviceId: 'laptop-1',
        nonce: 'other-nonce-22',
        at: NOW + 5_000,
      });
      expect(await define(home.metadata)).toMatchObject({ action: 'step-up' });
    });

    it("replay: the sign-in's own context replayed at define auth challenge after its own use gets the step-up", async () => {
      const { pre, define } = await steppedUp();
      const victim = engineFor();
      // The victim's low-risk sign-in from home: its define auth challenge takes the verdict (no step-up).
      const home = attemptOf(freshUser(), { place: 'home', nonce: 'victim-nonce-01' });
      expect(await define(pre.metadata)).toMatchObject({ action: 'step-up' });
      // The same context again (another client, or a retried trigger): taken already, step-up.
      expect(await define(pre.metadata)).toMatchObject({
        action: 'step-up',
        reasons: [{ signal: 'assessment-not-found' }],
      });
      await victim.assess(home);
      const defineHome = () => victim.assess({ ...home, at: NOW + 5_000, phase: 'define-auth-challenge' });
      expect(await defineHome()).toMatchObject({ action: 'allow', level: 'low' });
      expect(await defineHome()).toMatchObject({
        action: 'step-up',
        reasons: [{ signal: 'assessment-not-found' }],
      });
    });

    it('replay: a context the trigger found used already scores context-replayed, with none of its facts', async () => {
      const userId = freshUser();
      await recordSignIn(userId, NOW - 2 * DAY, 'home');
      const engine = engineFor();
      const captured = attemptOf(userId, { place: 'home', nonce: 'captured-nonce-1' });
      const replayed = await engine.assess({ ...captured, contextReplayed: true });
      expect(replayed.reasons).toEqual([{ signal: 'context-replayed', points: 50 }]);
      expect(replayed).toMatchObject({ level: 'medium', action: 'step-up' });
      // Nothing kept under the nonce: define auth challenge with it steps up.
      expect(
        await engine.assess({ ...captured, at: NOW + 5_000, phase: 'define-auth-challenge' }),
      ).toMatchObject({ action: 'step-up', reasons: [{ signal: 'assessment-not-found' }] });
    });

    it('the store failing gets the step-up (fail closed)', async () => {
      const { pre, define } = await steppedUp();
      sends.mockRejectedValue(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
      expect(await define(pre.metadata)).toMatchObject({ action: 'step-up' });
    });
  });

  it('replay: post authentication pays back the IP pre authentication counted once, however often the context is replayed', async () => {
    const engine = engineFor();
    const ip = '100.64.90.1';
    const userId = freshUser();
    const sign = { ip, deviceId: null, nonce: 'pay-back-once-1' } as const;
    await engine.assess(attemptOf(userId, sign));
    for (let i = 1; i <= 3; i++) await engine.learn(attemptOf(userId, { ...sign, at: NOW + i * 1000 }));
    const counter = (await local.dynamo.scan()).find((i) => i.pk === keys.ip(ip));
    expect(counter).toMatchObject({ attempts: 1, successes: 1 });
  });

  it('learns: a device never seen before is notified once the user has history, in two calls without a context nonce', async () => {
    const userId = freshUser();
    const engine = engineFor();
    // The first sign-in ever: nothing to compare with, no mail.
    expect(await engine.learn(attemptOf(userId, { deviceId: 'laptop-1' }))).toMatchObject({
      decision: { level: 'low' },
    });
    expect((await engine.learn(attemptOf(userId, { deviceId: 'laptop-1' }))).notify).toBeUndefined();
    await recordSignIn(userId, NOW - DAY, 'home');
    // Post authentication may record this sign-in's device before asking: still new.
    await put({ pk: keys.user(userId), sk: keys.device('phone-9'), firstSeen: NOW, lastSeen: NOW });
    sends.mockClear();
    const learned = await engine.learn(attemptOf(userId, { deviceId: 'phone-9' }));
    expect(learned.notify).toBe('new-device');
    // + the assessment log's PutItem and the pool's day count, in the same round trip.
    expect(callsSince().sort()).toEqual(['PutCommand', 'QueryCommand', 'UpdateCommand', 'UpdateCommand']);
    expect((await engine.learn(attemptOf(userId, { deviceId: 'laptop-1' }))).notify).toBeUndefined();
  });

  it('learns from a sign-in that Cognito gives no context (USER_PASSWORD_AUTH) without a context-missing signal', async () => {
    const userId = freshUser();
    await recordSignIn(userId, NOW - DAY, 'home');
    const learned = await engineFor().learn({ ...attemptOf(userId), metadata: {} });
    expect(learned.decision).toMatchObject({ level: 'low', reasons: [] });
    const forged = await engineFor().learn(attemptOf(userId, { sign: 'forge', at: NOW + 1000 }));
    expect(forged.decision?.reasons.map((r) => r.signal)).toEqual(['context-forged']);
  });

  it('learns: a high-risk sign-in that enforcement let through is notified', async () => {
    const userId = freshUser();
    await recordSignIn(userId, NOW - HOUR, 'home');
    const engine = engineFor({ actions: { low: 'allow', medium: 'step-up', high: 'step-up' } });
    const assessed = await engine.assess(attemptOf(userId, { place: 'tokyo', nonce: 'tokyo-nonce-1' }));
    expect(assessed).toMatchObject({ level: 'high', action: 'step-up' });
    sends.mockClear();
    const learned = await engine.learn(
      attemptOf(userId, { place: 'tokyo', nonce: 'tokyo-nonce-1', at: NOW + 60_000 }),
    );
    // The sign-in's own assessment (taken once: a conditional UpdateItem) beside the history
    // (Query); then the success and the IP's pay-back (+ the assessment log's PutItem and the
    // pool's day count).
    expect(callsSince().sort()).toEqual([
      'PutCommand',
      'QueryCommand',
      'UpdateCommand',
      'UpdateCommand',
      'UpdateCommand',
      'UpdateCommand',
    ]);
    expect(learned).toMatchObject({
      notify: 'high-risk',
      decision: { eventId: assessed.eventId, level: 'high' },
    });
  });

  it('flags compromised credentials from the profile', async () => {
    const userId = freshUser();
    await put({ pk: keys.user(userId), sk: keys.profile(), compromisedCredentials: true });
    const decision = await engineFor().assess(attemptOf(userId));
    expect(decision).toMatchObject({
      level: 'high',
      reasons: [{ signal: 'compromised-credentials', points: 70 }],
    });
  });

  it('finds the breached-password flag migration set under the userName, and carries it to the sub', async () => {
    const sub = freshUser();
    const userName = `Legacy.${sub}`;
    // What migrate-user writes before the user has a sub.
    await put({ pk: keys.user(userNameId(userName)), sk: keys.profile(), compromisedCredentials: true });
    const engine = engineFor();
    const first = { ...attemptOf(sub), userName };
    sends.mockClear();
    const decision = await engine.assess(first);
    expect(decision).toMatchObject({ level: 'high', reasons: [{ signal: 'compromised-credentials' }] });
    // A blocked attempt: + the assessment log's PutItem and the pool's day count.
    expect(callsSince().sort()).toEqual([
      'GetCommand',
      'PutCommand',
      'QueryCommand',
      'QueryCommand',
      'UpdateCommand',
      'UpdateCommand',
      'UpdateCommand',
    ]);
    await engine.learn({ ...first, at: NOW + 1000 });
    const profile = (await local.dynamo.scan()).find(
      (i) => i.pk === keys.user(sub) && i.sk === keys.profile(),
    );
    expect(profile).toMatchObject({ compromisedCredentials: true });
    // Once the user has history, the one Query finds the flag on the sub's own profile.
    await recordSignIn(sub, NOW - HOUR, 'home');
    sends.mockClear();
    const later = await engine.assess({ ...first, at: NOW + 2 * HOUR });
    expect(later.reasons.map((r) => r.signal)).toContain('compromised-credentials');
    expect(callsSince()).not.toContain('GetCommand');
  });

  it('operator feedback on an event trusts its network and device in later scores', async () => {
    const userId = freshUser();
    await recordSignIn(userId, NOW - 2 * HOUR, 'home');
    const engine = engineFor();
    const blocked = await engine.assess(attemptOf(userId, { place: 'tokyo', deviceId: 'travel-laptop' }));
    expect(blocked.level).toBe('high');
    const result = await applyRiskFeedback({ userId, verdict: 'valid', eventId: blocked.eventId! }, 180, NOW);
    expect(result).toEqual({
      userId,
      verdict: 'valid',
      trust: 'trusted',
      device: 'travel-laptop',
      network: '198.51.100.0/24',
    });
    const after = await engine.assess(
      attemptOf(userId, { place: 'tokyo', deviceId: 'travel-laptop', at: NOW + 60_000 }),
    );
    expect(after).toMatchObject({
      level: 'low',
      reasons: [{ signal: 'trusted-device' }, { signal: 'trusted-network' }],
    });
  });

  it('operator feedback marking a device invalid distrusts it', async () => {
    const userId = freshUser();
    await recordSignIn(userId, NOW - DAY, 'home');
    await applyRiskFeedback({ userId, verdict: 'invalid', deviceId: 'stolen-phone' }, 180, NOW);
    const decision = await engineFor().assess(attemptOf(userId, { deviceId: 'stolen-phone' }));
    expect(decision.reasons.map((r) => r.signal)).toEqual(['distrusted-device', 'new-device']);
    expect(decision.level).toBe('medium');
  });

  it('refuses feedback on an unknown event', async () => {
    await expect(
      applyRiskFeedback({ userId: freshUser(), verdict: 'valid', eventId: 'nope' }, 180, NOW),
    ).rejects.toThrow('No event nope for this user.');
  });

  it.each([
    [
      'throttling',
      Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }),
    ],
    ['a timeout', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
  ])('scores "assessment unavailable" (medium, step-up) when the store fails with %s', async (_, fault) => {
    sends.mockRejectedValue(fault);
    const engine = engineFor();
    const decision = await engine.assess(attemptOf(freshUser()));
    expect(decision).toMatchObject({
      level: 'medium',
      action: 'step-up',
      reasons: [{ signal: 'assessment-unavailable' }],
    });
    const learned = await engine.learn(attemptOf(freshUser()));
    expect(learned).toMatchObject({ decision: { level: 'medium' } });
    expect(learned.notify).toBeUndefined();
  });

  it('keeps its decision when only recording the assessment fails', async () => {
    const userId = freshUser();
    sends.mockRestore();
    const client = table.documentClient();
    const realSend = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    let faults = 0;
    const inFlight: Promise<unknown>[] = [];
    sends = vi.spyOn(client, 'send').mockImplementation(((command: unknown) => {
      if ((command as { input: { Key?: { sk?: string } } }).input.Key?.sk !== keys.riskAssessment()) {
        const sent = realSend(command);
        inFlight.push(sent);
        return sent;
      }
      faults++;
      return Promise.reject(new Error('throttled'));
    }) as never);
    const decision = await engineFor().assess(attemptOf(userId));
    expect(decision.reasons).toEqual([]);
    expect(decision.level).toBe('low');
    // The fault did fire: the assessment's write was attempted, refused, and nothing was written
    // (the writes sent beside it, such as the assessment log, are let finish first).
    expect(faults).toBe(1);
    await Promise.allSettled(inFlight);
    const items = (await local.dynamo.scan()).filter((item) => item.pk === keys.user(userId));
    expect(items.some((item) => item.sk === keys.riskAssessment())).toBe(false);
  });
});
