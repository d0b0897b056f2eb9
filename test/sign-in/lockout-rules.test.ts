import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalDynamo, localEnvironment, startLocalDynamo } from '../../scripts/local/emulators.js';
import type { LockoutPolicy } from '../../shared/sign-in/lockout.js';
import { captureOutput, logLines } from '../support/logs.js';

/**
 * The lockout's rules one by one, on dynalite, with policies whose numbers differ so that each
 * rule is seen on its own (issue 19: with a lock duration equal to the window the counter refused
 * anyway, so the lock itself and its length went untested).
 */
let dynamo: LocalDynamo;
let lockout: typeof import('../../shared/sign-in/lockout.js');
let table: typeof import('../../shared/storage/table.js');

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  Object.assign(process.env, localEnvironment(dynamo));
  lockout = await import('../../shared/sign-in/lockout.js');
  table = await import('../../shared/storage/table.js');
});
afterAll(async () => dynamo?.stop());
afterEach(() => vi.restoreAllMocks());

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** A window start for every policy below (a multiple of an hour). */
const T0 = Date.UTC(2031, 0, 1, 10, 0, 0);
const policy = (overrides: Partial<LockoutPolicy> = {}): LockoutPolicy => ({
  lockoutMaxAttempts: 3,
  lockoutWindowSeconds: 60,
  lockoutDurationSeconds: 3600,
  deviceRetentionDays: 30,
  ...overrides,
});

let users = 0;
const subject = () => `IDENTITY#sub#rules-${++users}`;
const stranger = { network: '203.0.113.0/24', deviceId: 'attacker-box' };
const home = { network: '198.51.100.0/24', deviceId: 'laptop-1' };

const itemsOf = async (pk: string) => (await dynamo.scan()).filter((item) => item.pk === pk);
const lockOf = async (pk: string, side = 'unfamiliar') =>
  (await itemsOf(pk)).find((item) => item.sk === `LOCKED#${side}`);

/** One attempt as pre authentication makes it: read the state, refuse when locked, else count. */
async function attempt(pk: string, at: number, rules: LockoutPolicy, origin: object = stranger) {
  const state = await lockout.readLockState(pk, origin, rules, at);
  if (state.locked) return 'locked';
  return (await lockout.countFailure(state, rules, at)) ? 'refused' : 'counted';
}

describe('the lock and its length', () => {
  it('a lock longer than the window holds on its own: the counter of a later window is empty', async () => {
    const pk = subject();
    const rules = policy({ lockoutDurationSeconds: 3600, lockoutWindowSeconds: 60 });
    const at = T0 + 10 * SECOND;
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await attempt(pk, at + i, rules));
    expect(outcomes).toEqual(['counted', 'counted', 'counted', 'refused']);
    // Locked for the duration from the refused attempt, not for the window.
    expect(await lockOf(pk)).toMatchObject({
      lockedUntil: at + 3 + 3600 * SECOND,
      expiresAt: Math.floor((at + 3 + 3600 * SECOND) / 1000) + 1,
    });
    // Half an hour later no counter holds anything, yet the side is locked, and nothing is counted.
    const later = T0 + 30 * MINUTE;
    const state = await lockout.readLockState(pk, stranger, rules, later);
    expect(state).toEqual({ subject: pk, side: 'unfamiliar', locked: true, previousAttempts: 0 });
    expect(await attempt(pk, later, rules)).toBe('locked');
    expect(await lockout.attemptsInWindow(pk, 'unfamiliar', rules, later)).toBe(0);
    // Until the last millisecond of the lock; at its end the side is open again.
    expect(await attempt(pk, at + 3 + 3600 * SECOND - 1, rules)).toBe('locked');
    expect(await attempt(pk, at + 3 + 3600 * SECOND, rules)).toBe('counted');
  });

  it('a lock shorter than the window lasts until the window has left the sliding count', async () => {
    const pk = subject();
    const rules = policy({ lockoutDurationSeconds: 5, lockoutWindowSeconds: 600, lockoutMaxAttempts: 2 });
    const start = T0; // a multiple of 600 s
    const at = start + 100 * SECOND;
    for (let i = 0; i < 3; i++) await attempt(pk, at + i, rules);
    expect((await lockOf(pk))?.lockedUntil).toBe(start + 2 * 600 * SECOND);
    expect(await attempt(pk, start + 2 * 600 * SECOND - 1, rules)).toBe('locked');
    expect(await attempt(pk, start + 2 * 600 * SECOND, rules)).toBe('counted');
  });

  it('a lock never ends at once: its length is the duration when that is the longer', async () => {
    const pk = subject();
    const rules = policy({ lockoutDurationSeconds: 120, lockoutWindowSeconds: 10, lockoutMaxAttempts: 1 });
    const at = T0 + 5 * SECOND;
    expect([await attempt(pk, at, rules), await attempt(pk, at + 1, rules)]).toEqual(['counted', 'refused']);
    expect((await lockOf(pk))?.lockedUntil).toBe(at + 1 + 120 * SECOND);
    expect(await attempt(pk, at + 2, rules)).toBe('locked');
    expect(await attempt(pk, at + 60 * SECOND, rules)).toBe('locked');
  });

  it('a live lock is not extended by a second locker; an expired one is replaced', async () => {
    const pk = subject();
    const rules = policy({ lockoutMaxAttempts: 1, lockoutDurationSeconds: 3600 });
    const state = await lockout.readLockState(pk, stranger, rules, T0);
    await lockout.countFailure(state, rules, T0);
    expect(await lockout.countFailure(state, rules, T0 + 1)).toBe(true);
    expect(await lockout.countFailure(state, rules, T0 + 2)).toBe(true);
    expect((await lockOf(pk))?.lockedUntil).toBe(T0 + 1 + 3600 * SECOND);
    const after = T0 + 2 * 3600 * SECOND;
    const again = await lockout.readLockState(pk, stranger, rules, after);
    await lockout.countFailure(again, rules, after);
    await lockout.countFailure(again, rules, after + 1);
    expect((await lockOf(pk))?.lockedUntil).toBe(after + 1 + 3600 * SECOND);
  });

  it('an expired lock item is not read as a lock', async () => {
    const pk = subject();
    await dynamo.client.send(
      new (await import('@aws-sdk/client-dynamodb')).PutItemCommand({
        TableName: dynamo.tableName,
        Item: {
          pk: { S: pk },
          sk: { S: 'LOCKED#unfamiliar' },
          lockedUntil: { N: String(T0 + 3600 * SECOND) },
          expiresAt: { N: String(T0 / 1000) },
        },
      }),
    );
    expect((await lockout.readLockState(pk, stranger, policy(), T0)).locked).toBe(false);
  });
});

describe('the sliding count', () => {
  it('the previous window weighs by the share of it still within one window', async () => {
    const pk = subject();
    const rules = policy({ lockoutMaxAttempts: 5, lockoutWindowSeconds: 60, lockoutDurationSeconds: 60 });
    for (let i = 0; i < 4; i++) expect(await attempt(pk, T0 + 50 * SECOND + i, rules)).toBe('counted');
    // Half-way through the next window: a tail of 4 × 0.5 = 2, so three more are allowed.
    const half = T0 + 90 * SECOND;
    const state = await lockout.readLockState(pk, stranger, rules, half);
    expect(state.previousAttempts).toBe(4);
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await lockout.countFailure(state, rules, half + i));
    expect(outcomes).toEqual([false, false, false, true]);
  });

  it('counters outlive their window by one window and a minute', async () => {
    const pk = subject();
    const rules = policy({ lockoutWindowSeconds: 60 });
    await attempt(pk, T0 + 30 * SECOND, rules);
    expect((await itemsOf(pk)).find((item) => String(item.sk).startsWith('FAILED#'))).toEqual({
      pk,
      sk: `FAILED#unfamiliar#${T0}`,
      attempts: 1,
      expiresAt: (T0 + 120 * SECOND) / 1000 + 60,
    });
  });

  it('windows start at multiples of their size', () => {
    expect(lockout.windowStart(T0 + 59_999, { lockoutWindowSeconds: 60 })).toBe(T0);
    expect(lockout.windowStart(T0 + 60_000, { lockoutWindowSeconds: 60 })).toBe(T0 + 60_000);
  });
});

describe('sides and places', () => {
  it('a success resets its side (this window and the one before) and remembers its places', async () => {
    const pk = subject();
    const rules = policy({ lockoutMaxAttempts: 10, deviceRetentionDays: 2 });
    await lockout.clearAttempts(pk, home, rules, T0); // home becomes familiar
    for (let i = 0; i < 2; i++) await attempt(pk, T0 + 30 * SECOND + i, rules, home);
    for (let i = 0; i < 3; i++) await attempt(pk, T0 + 70 * SECOND + i, rules, home);
    for (let i = 0; i < 2; i++) await attempt(pk, T0 + 70 * SECOND + i, rules, stranger);
    await lockout.clearAttempts(pk, home, rules, T0 + 80 * SECOND);
    const count = (side: string, window: number) =>
      itemsOf(pk).then((items) => items.find((i) => i.sk === `FAILED#${side}#${window}`)?.attempts);
    expect(await count('familiar', T0)).toBe(0);
    expect(await count('familiar', T0 + 60 * SECOND)).toBe(0);
    expect(await count('unfamiliar', T0 + 60 * SECOND)).toBe(2);
    const places = (await itemsOf(pk)).filter((item) => String(item.sk).startsWith('PLACE#'));
    expect(places).toEqual(
      ['PLACE#device#laptop-1', 'PLACE#network#198.51.100.0/24'].map((sk) =>
        expect.objectContaining({
          sk,
          lastSeen: T0 + 80 * SECOND,
          expiresAt: (T0 + 80 * SECOND) / 1000 + 2 * 86_400,
        }),
      ),
    );
  });

  it('a known device alone, or a known network alone, makes the attempt familiar', async () => {
    const pk = subject();
    await lockout.clearAttempts(pk, home, policy(), T0);
    const sideOf = async (origin: object) => (await lockout.readLockState(pk, origin, policy(), T0 + 1)).side;
    expect(await sideOf({ deviceId: 'laptop-1' })).toBe('familiar');
    expect(await sideOf({ network: '198.51.100.0/24' })).toBe('familiar');
    expect(await sideOf({ deviceId: 'laptop-1', network: '203.0.113.0/24' })).toBe('familiar');
    expect(await sideOf(stranger)).toBe('unfamiliar');
    expect(await sideOf({})).toBe('unfamiliar');
  });

  it('the identity of an attempt: sub when known, the lower-cased name otherwise', () => {
    const event = (userName: string, attributes: Record<string, string> | null, userNotFound?: boolean) => ({
      userName,
      request: { userAttributes: attributes, ...(userNotFound === undefined ? {} : { userNotFound }) },
    });
    expect(lockout.identityKey(event('Jane', { sub: 's-1' }))).toBe('IDENTITY#sub#s-1');
    expect(lockout.identityKey(event('Jane', { sub: 's-1' }, false))).toBe('IDENTITY#sub#s-1');
    expect(lockout.identityKey(event('Jane', { sub: 's-1' }, true))).toBe('IDENTITY#name#jane');
    expect(lockout.identityKey(event('Jane', null))).toBe('IDENTITY#name#jane');
    expect(lockout.identityKey(event('Jane', {}))).toBe('IDENTITY#name#jane');
  });
});

describe('what a lock signals', () => {
  it('the unfamiliar side of a known user: a warning and a security event for a month after the lock', async () => {
    const sub = `signal-${++users}`;
    const pk = `IDENTITY#sub#${sub}`;
    const rules = policy({ lockoutMaxAttempts: 1, lockoutDurationSeconds: 600 });
    const { output } = await captureOutput(async () => {
      for (let i = 0; i < 2; i++) await attempt(pk, T0 + i, rules);
    });
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'sign-in locked',
        lockout: { side: 'unfamiliar', knownUser: true, lockedUntil: T0 + 1 + 600 * SECOND },
      }),
    );
    expect(await itemsOf(`USER#${sub}`)).toEqual([
      {
        pk: `USER#${sub}`,
        sk: `SECURITY#${new Date(T0 + 1).toISOString()}#unfamiliar-lockout`,
        at: T0 + 1,
        lockedUntil: T0 + 1 + 600 * SECOND,
        expiresAt: Math.floor((T0 + 1 + 600 * SECOND) / 1000) + 30 * 86_400,
      },
    ]);
  });

  it('two attempts over the limit at once (both read it unlocked) signal the lock once', async () => {
    const sub = `signal-${++users}`;
    const pk = `IDENTITY#sub#${sub}`;
    const rules = policy({ lockoutMaxAttempts: 1, lockoutDurationSeconds: 600 });
    await attempt(pk, T0, rules);
    const [first, second] = await Promise.all([
      lockout.readLockState(pk, stranger, rules, T0 + 1),
      lockout.readLockState(pk, stranger, rules, T0 + 1),
    ]);
    const { output } = await captureOutput(async () => {
      expect(await lockout.countFailure(first, rules, T0 + 1)).toBe(true);
      expect(await lockout.countFailure(second, rules, T0 + 2)).toBe(true);
    });
    expect(logLines(output).filter((line) => line.message === 'sign-in locked')).toHaveLength(1);
    expect(await itemsOf(`USER#${sub}`)).toHaveLength(1);
    expect((await lockOf(pk))?.lockedUntil).toBe(T0 + 1 + 600 * SECOND);
  });

  it('the familiar side, or an unknown name: an info line and no security event', async () => {
    const sub = `signal-${++users}`;
    const pk = `IDENTITY#sub#${sub}`;
    const rules = policy({ lockoutMaxAttempts: 1 });
    await lockout.clearAttempts(pk, home, rules, T0);
    const familiar = await captureOutput(async () => {
      for (let i = 0; i < 2; i++) await attempt(pk, T0 + 1 + i, rules, home);
    });
    expect(logLines(familiar.output)).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'sign-in locked',
        lockout: expect.objectContaining({ side: 'familiar', knownUser: true }),
      }),
    );
    const name = await captureOutput(async () => {
      for (let i = 0; i < 2; i++) await attempt(`IDENTITY#name#${sub}`, T0 + i, rules);
    });
    expect(logLines(name.output)).toContainEqual(
      expect.objectContaining({ level: 'WARN', lockout: expect.objectContaining({ knownUser: false }) }),
    );
    expect(await itemsOf(`USER#${sub}`)).toEqual([]);
  });
});

describe('what an operator sees and does', () => {
  it('the state per side and overall, then an unlock that clears both', async () => {
    const sub = `operator-${++users}`;
    const pk = `IDENTITY#sub#${sub}`;
    const rules = policy({ lockoutMaxAttempts: 2, lockoutDurationSeconds: 900 });
    await lockout.clearAttempts(pk, home, rules, T0);
    for (let i = 0; i < 3; i++) await attempt(pk, T0 + 10 * SECOND + i, rules);
    await attempt(pk, T0 + 20 * SECOND, rules, home);
    const now = T0 + 30 * SECOND;
    expect(await lockout.lockoutState(sub, rules, now)).toEqual({
      lockedUntil: T0 + 10 * SECOND + 2 + 900 * SECOND,
      attemptsInWindow: 4,
      maxAttempts: 2,
      sides: {
        familiar: { attemptsInWindow: 1 },
        unfamiliar: { lockedUntil: T0 + 10 * SECOND + 2 + 900 * SECOND, attemptsInWindow: 3 },
      },
    });
    await lockout.unlock(sub, rules, now);
    expect(await lockout.lockoutState(sub, rules, now)).toEqual({
      attemptsInWindow: 0,
      maxAttempts: 2,
      sides: { familiar: { attemptsInWindow: 0 }, unfamiliar: { attemptsInWindow: 0 } },
    });
    expect(await attempt(pk, now + 1, rules)).toBe('counted');
  });

  it('unlock also resets the window before, so the next attempt is not over the limit at once', async () => {
    const sub = `operator-${++users}`;
    const pk = `IDENTITY#sub#${sub}`;
    const rules = policy({ lockoutMaxAttempts: 2, lockoutDurationSeconds: 60 });
    for (let i = 0; i < 3; i++) await attempt(pk, T0 + 55 * SECOND + i, rules);
    await lockout.unlock(sub, rules, T0 + 61 * SECOND);
    expect(await attempt(pk, T0 + 61 * SECOND, rules)).toBe('counted');
    expect(await attempt(pk, T0 + 62 * SECOND, rules)).toBe('counted');
  });
});

describe('edges of what is written and read', () => {
  it('a success from a network alone writes that place and nothing else', async () => {
    const pk = subject();
    await lockout.clearAttempts(pk, { network: '198.51.100.0/24' }, policy(), T0);
    expect((await itemsOf(pk)).map((item) => item.sk)).toEqual(['PLACE#network#198.51.100.0/24']);
    const other = subject();
    await lockout.clearAttempts(other, { deviceId: 'laptop-1' }, policy(), T0);
    expect((await itemsOf(other)).map((item) => item.sk)).toEqual(['PLACE#device#laptop-1']);
  });

  it('an unknown name locking its unfamiliar side writes no security event anywhere', async () => {
    const pk = `IDENTITY#name#stranger-${++users}`;
    const rules = policy({ lockoutMaxAttempts: 1 });
    await captureOutput(async () => {
      for (let i = 0; i < 2; i++) await attempt(pk, T0 + i, rules);
    });
    expect((await dynamo.scan()).filter((item) => String(item.pk).startsWith('USER#undefined'))).toEqual([]);
  });

  it('a user with no attempt and no lock: an operator sees zeros, and a lock ending now is over', async () => {
    const sub = `fresh-${++users}`;
    expect(await lockout.lockoutState(sub, policy(), T0)).toEqual({
      attemptsInWindow: 0,
      maxAttempts: 3,
      sides: { familiar: { attemptsInWindow: 0 }, unfamiliar: { attemptsInWindow: 0 } },
    });
    const pk = `IDENTITY#sub#${sub}`;
    const rules = policy({ lockoutMaxAttempts: 1, lockoutDurationSeconds: 60, lockoutWindowSeconds: 10 });
    for (let i = 0; i < 2; i++) await captureOutput(() => attempt(pk, T0 + i, rules));
    const until = T0 + 1 + 60 * SECOND;
    expect((await lockout.lockoutState(sub, rules, until - 1)).lockedUntil).toBe(until);
    expect((await lockout.lockoutState(sub, rules, until)).lockedUntil).toBeUndefined();
  });
});

describe('storage faults are failures, not a silent pass', () => {
  const throttled = () =>
    Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
  const failing = (commandName: string, matches: (input: any) => boolean) => {
    const client = table.documentClient();
    const realSend = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    let faults = 0;
    vi.spyOn(client, 'send').mockImplementation((async (command: any) => {
      if (command.constructor.name === commandName && matches(command.input)) {
        faults++;
        throw throttled();
      }
      return realSend(command);
    }) as never);
    return () => faults;
  };

  it('the lock cannot be written: the attempt fails (it is not let through, nor counted as locked)', async () => {
    const pk = subject();
    const rules = policy({ lockoutMaxAttempts: 1 });
    await attempt(pk, T0, rules);
    const faults = failing('PutCommand', (input) => input.Item?.sk === 'LOCKED#unfamiliar');
    await expect(captureOutput(() => attempt(pk, T0 + 1, rules)).then((r) => r.error)).resolves.toMatchObject(
      {
        name: 'ProvisionedThroughputExceededException',
      },
    );
    expect(faults()).toBe(1);
  });

  it('a counter cannot be reset after a success: the success fails loudly', async () => {
    const pk = subject();
    await attempt(pk, T0, policy(), home);
    await lockout.clearAttempts(pk, home, policy(), T0 + 1);
    await attempt(pk, T0 + 2, policy(), home);
    const faults = failing('UpdateCommand', (input) => String(input.Key?.sk).startsWith('FAILED#'));
    await expect(lockout.clearAttempts(pk, home, policy(), T0 + 3)).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
    });
    expect(faults()).toBeGreaterThan(0);
  });
});

describe('throttled reads', () => {
  it('asks again for keys BatchGetItem left unprocessed, and fails after three rounds', async () => {
    const client = table.documentClient();
    const realSend = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    const pk = subject();
    await attempt(pk, T0, policy());
    let rounds = 0;
    const leaveAll = (times: number) =>
      vi.spyOn(client, 'send').mockImplementation((async (command: any) => {
        if (command.constructor.name !== 'BatchGetCommand' || rounds++ >= times) return realSend(command);
        const Keys = command.input.RequestItems[table.tableName()].Keys;
        return { Responses: {}, UnprocessedKeys: { [table.tableName()]: { Keys } } };
      }) as never);
    leaveAll(2);
    expect(await lockout.attemptsInWindow(pk, 'unfamiliar', policy(), T0)).toBe(1);
    expect(rounds).toBe(3);
    vi.restoreAllMocks();
    rounds = 0;
    leaveAll(3);
    await expect(lockout.attemptsInWindow(pk, 'unfamiliar', policy(), T0)).rejects.toThrow(
      'lockout state could not be read (keys left unprocessed)',
    );
    expect(rounds).toBe(3);
  });
});
