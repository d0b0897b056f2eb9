import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../shared/config/settings.js';
import { UserFacingError } from '../../shared/errors/index.js';
import type { PostAuthenticationEvent, PreAuthenticationEvent } from '../../shared/events/index.js';
import { signContext } from '../../shared/risk/context.js';
import { configuredRiskEngine, noRiskEngine, type RiskHooks } from '../../shared/risk/contract.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import { metricsNamed, seriesOf } from '../support/emf.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';

/**
 * Smart lockout (issue 11, attack 5) against dynalite: a stranger who knows only a username
 * fails from places the user never signed in from, and locks only that side.
 */
const SECRET = 'a-context-secret-of-at-least-32-characters!';
const local = useLocalEmulators({ RISK_CONTEXT_SECRET: SECRET, SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let pre: typeof import('../../shared/sign-in/pre-authentication.js');
let post: typeof import('../../shared/sign-in/post-authentication.js');

beforeAll(async () => {
  pre = await import('../../shared/sign-in/pre-authentication.js');
  post = await import('../../shared/sign-in/post-authentication.js');
});

const settings = loadSettings(signInSettingSpecs, {
  env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '5', GATEHOUSE_LOCKOUT_WINDOW_SECONDS: '900' },
  file: {},
});
const noGroups = async () => [];

/** Where someone signs in from: a validly signed context, an unsigned claim, or a forged one. */
interface Place {
  ip: string;
  deviceId: string;
  signed: 'valid' | 'unsigned' | 'forged';
}
const CLIENT = '3example0clientid0000000000';
const HOME: Place = { ip: '198.51.100.7', deviceId: 'laptop-1', signed: 'valid' };
const STRANGER: Place = { ip: '203.0.113.66', deviceId: 'attacker-box', signed: 'valid' };

function context(place: Place, userName: string, now: number): Record<string, string> {
  const fields = {
    username: userName,
    clientId: CLIENT,
    ip: place.ip,
    deviceId: place.deviceId,
    timestamp: String(Math.floor(now / 1000)),
    // A fresh context per call, as the endpoint gives one per sign-in (a nonce is used once).
    nonce: randomUUID(),
  };
  if (place.signed === 'unsigned') return fields;
  const signature = place.signed === 'valid' ? signContext(fields, SECRET) : 'ab'.repeat(32);
  return { ...fields, signature };
}

let counter = 0;
function newUser() {
  const sub = `0f${++counter}a1b2-${Date.now()}`;
  return { sub, userName: `jane${counter}-${Date.now()}` };
}

function preEvent(user: { sub: string; userName: string }, place: Place, now: number, userNotFound = false) {
  const e = sampleEvent<PreAuthenticationEvent>('PreAuthentication_Authentication');
  e.userName = user.userName;
  e.request.userAttributes = userNotFound ? {} : { ...e.request.userAttributes, sub: user.sub };
  e.request.userNotFound = userNotFound;
  e.request.validationData = context(place, user.userName, now);
  return e;
}

async function attempt(
  user: { sub: string; userName: string },
  place: Place,
  now: number,
  userNotFound = false,
): Promise<string> {
  try {
    await pre.preAuthentication(preEvent(user, place, now, userNotFound), settings, noRiskEngine, now);
    return 'allowed';
  } catch (error) {
    if (error instanceof UserFacingError) return error.code;
    throw error;
  }
}

/** A successful sign-in (post authentication), with the context RespondToAuthChallenge carried. */
async function signIn(
  user: { sub: string; userName: string },
  place: Place,
  now: number,
  risk: RiskHooks = noRiskEngine,
) {
  const e = sampleEvent<PostAuthenticationEvent>('PostAuthentication_Authentication');
  e.userName = user.userName;
  e.request.userAttributes = { ...e.request.userAttributes, sub: user.sub };
  e.request.clientMetadata = { ...context(place, user.userName, now), requestId: `ok-${now}` };
  await post.postAuthentication(e, settings, risk, now, noGroups);
}

const T0 = Date.UTC(2031, 4, 6, 9, 0, 0);
const MINUTE = 60_000;

describe('attack 5: lockout as a weapon', () => {
  it("attack 5: a stranger's failures lock only the unfamiliar side; the user's own device and network still get in", async () => {
    const user = newUser();
    await signIn(user, HOME, T0);
    // Six requests per window, for an hour: the stranger is refused from the sixth on.
    const strangerOutcomes: string[] = [];
    for (let window = 0; window < 4; window++) {
      for (let i = 0; i < 6; i++)
        strangerOutcomes.push(await attempt(user, STRANGER, T0 + window * 15 * MINUTE + i * 1000));
      // Meanwhile the user signs in from home: allowed every time.
      expect(await attempt(user, HOME, T0 + window * 15 * MINUTE + 10_000)).toBe('allowed');
    }
    expect(strangerOutcomes.slice(0, 6)).toEqual([...Array(5).fill('allowed'), 'SIGN_IN_LOCKED']);
    // The stranger keeps the unfamiliar side locked (5 guesses per lock cycle, then refused)...
    const allowed = (from: number, to: number) =>
      strangerOutcomes.slice(from, to).filter((outcome) => outcome === 'allowed').length;
    expect(allowed(6, 12)).toBe(0);
    expect(allowed(12, 24)).toBeLessThanOrEqual(5);
    // The same network with another device is still familiar (the network is known)...
    expect(await attempt(user, { ...HOME, deviceId: 'phone-2' }, T0 + 46 * MINUTE)).toBe('allowed');
    // ...and a place never seen is on the locked side.
    expect(await attempt(user, { ...STRANGER, ip: '192.0.2.9', deviceId: 'cafe' }, T0 + 46 * MINUTE)).toBe(
      'SIGN_IN_LOCKED',
    );
  });

  it.each([
    ['unsigned', 'unsigned'],
    ['forged', 'forged'],
  ] as const)(
    "attack 5: a stranger claiming the user's device and network in a %s context counts as unfamiliar",
    async (_, signed) => {
      const user = newUser();
      await signIn(user, HOME, T0);
      const claim: Place = { ...HOME, signed };
      const outcomes = [];
      for (let i = 0; i < 6; i++) outcomes.push(await attempt(user, claim, T0 + MINUTE + i));
      expect(outcomes.at(-1)).toBe('SIGN_IN_LOCKED');
      expect(await attempt(user, HOME, T0 + 2 * MINUTE)).toBe('allowed');
    },
  );

  it("attack 5: a non-existent username equal to a victim's sub never counts on the victim's lockout", async () => {
    const victim = newUser();
    const impostor = { sub: '', userName: victim.sub };
    const outcomes = [];
    for (let i = 0; i < 10; i++) outcomes.push(await attempt(impostor, STRANGER, T0 + i, true));
    expect(outcomes.slice(5)).toEqual(Array(5).fill('SIGN_IN_LOCKED'));
    // The victim, from a place just as unfamiliar, is not locked: the impostor counted elsewhere.
    expect(await attempt(victim, STRANGER, T0 + 20)).toBe('allowed');
    const items = await local.dynamo.scan();
    expect(
      items.filter((item) => item.pk === `IDENTITY#sub#${victim.sub}` && /^LOCKED#/.test(String(item.sk))),
    ).toEqual([]);
    expect(items).toContainEqual(
      expect.objectContaining({ pk: `IDENTITY#name#${victim.sub.toLowerCase()}`, sk: 'LOCKED#unfamiliar' }),
    );
  });

  it('attack 5: the unfamiliar side locking is signalled: a warning log line and a security event for the risk engine', async () => {
    const user = newUser();
    const { output } = await captureOutput(async () => {
      for (let i = 0; i < 6; i++) await attempt(user, STRANGER, T0 + i);
    });
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'sign-in locked',
        lockout: expect.objectContaining({ side: 'unfamiliar', knownUser: true }),
      }),
    );
    expect(output).not.toContain(SECRET);
    // One lockout begun (EMF): stage-wide, what the surge alarm watches, and by side.
    expect(metricsNamed(output, 'Lockouts')[0]).toMatchObject({
      namespace: 'Gatehouse',
      unit: 'Count',
      value: 1,
    });
    expect(seriesOf(output, 'Lockouts')).toEqual([
      { service: 'gatehouse' },
      { service: 'gatehouse', side: 'unfamiliar' },
    ]);
    const events = (await local.dynamo.scan()).filter(
      (item) => item.pk === `USER#${user.sub}` && String(item.sk).startsWith('SECURITY#'),
    );
    expect(events).toEqual([
      expect.objectContaining({
        sk: expect.stringMatching(/#unfamiliar-lockout$/),
        lockedUntil: expect.any(Number),
      }),
    ]);
  });

  it('attack 5: the risk engine reads the lock: for a day, an attempt from a network the user never used scores unfamiliar-lockout', async () => {
    const { dynamoRiskStore } = await import('../../shared/risk/store.js');
    const { unfamiliarLockout } = await import('../../shared/risk/signals.js');
    const { riskConfig } = await import('../../shared/risk/settings.js');
    const user = newUser();
    // The configured engine verifies the context, so the history records the home network.
    await signIn(user, HOME, T0, configuredRiskEngine());
    for (let i = 0; i < 6; i++) await attempt(user, STRANGER, T0 + MINUTE + i);
    const config = riskConfig();
    const signalAt = async (network: string, at: number) => {
      const { history } = await dynamoRiskStore(200).loadUser(user.sub, at, at);
      const facts = { clientId: 'c', signature: 'valid' as const, network, at };
      return unfamiliarLockout({ attempt: facts, history }, config).map((r) => r.signal);
    };
    expect(await signalAt('203.0.113.0/24', T0 + 10 * MINUTE)).toEqual(['unfamiliar-lockout']);
    expect(await signalAt('198.51.100.0/24', T0 + 10 * MINUTE)).toEqual([]);
    expect(await signalAt('203.0.113.0/24', T0 + 25 * 60 * MINUTE)).toEqual([]);
  });

  it('attack 5: a place becomes familiar only through a success with its own verified context, never from what an attempt left', async () => {
    const user = newUser();
    await signIn(user, HOME, T0);
    // The stranger's attempt (its own signed context, under the victim's name) leaves its context...
    await attempt(user, STRANGER, T0 + MINUTE);
    // ...and the victim then signs in without any metadata (USER_PASSWORD_AUTH, managed login).
    const e = sampleEvent<PostAuthenticationEvent>('PostAuthentication_Authentication');
    e.userName = user.userName;
    e.request.userAttributes = { ...e.request.userAttributes, sub: user.sub };
    e.request.clientMetadata = undefined;
    await post.postAuthentication(e, settings, noRiskEngine, T0 + 2 * MINUTE, noGroups);
    const places = (await local.dynamo.scan())
      .filter((item) => item.pk === `IDENTITY#sub#${user.sub}` && String(item.sk).startsWith('PLACE#'))
      .map((item) => item.sk);
    expect(places.sort()).toEqual(['PLACE#device#laptop-1', 'PLACE#network#198.51.100.0/24']);
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await attempt(user, STRANGER, T0 + 3 * MINUTE + i));
    expect(outcomes.at(-1)).toBe('SIGN_IN_LOCKED');
  });

  it('attack 5: a success from home does not give the stranger a fresh allowance', async () => {
    const user = newUser();
    await signIn(user, HOME, T0);
    for (let i = 0; i < 4; i++) expect(await attempt(user, STRANGER, T0 + i)).toBe('allowed');
    await signIn(user, HOME, T0 + MINUTE);
    expect(await attempt(user, STRANGER, T0 + 2 * MINUTE)).toBe('allowed');
    expect(await attempt(user, STRANGER, T0 + 2 * MINUTE + 1)).toBe('SIGN_IN_LOCKED');
  });

  it('attack 11: a burst across a window boundary gets no second allowance (the count slides)', async () => {
    const user = newUser();
    const windowEnd = T0 + 15 * MINUTE;
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await attempt(user, STRANGER, windowEnd - 5000 + i));
    for (let i = 0; i < 5; i++) outcomes.push(await attempt(user, STRANGER, windowEnd + 1000 + i));
    expect(outcomes).toEqual([...Array(5).fill('allowed'), ...Array(5).fill('SIGN_IN_LOCKED')]);
  });
});

/**
 * Cognito's retry of a pre authentication that ran out of time (issue 13): the attempt's id (its
 * context's nonce) makes `countFailure` count it once. Called directly, on dynalite.
 */
describe('retried attempts count once (countFailure with an attempt id)', () => {
  let lockout: typeof import('../../shared/sign-in/lockout.js');
  beforeAll(async () => {
    lockout = await import('../../shared/sign-in/lockout.js');
  });
  const familiarState = (subject: string) =>
    ({ subject, side: 'familiar', locked: false, previousAttempts: 0 }) as const;
  const subjectOf = (user: { sub: string }) => `IDENTITY#sub#${user.sub}`;

  it('the same attempt id counts once, and its repeat is not over the limit by its own count', async () => {
    const user = newUser();
    const state = familiarState(subjectOf(user));
    expect(await lockout.countFailure(state, settings, T0, 'nonce-a')).toBe(false);
    expect(await lockout.countFailure(state, settings, T0 + 5000, 'nonce-a')).toBe(false);
    expect(await lockout.attemptsInWindow(state.subject, 'familiar', settings, T0 + 5000)).toBe(1);
  });

  it('other ids, and attempts without one (a replay), each count', async () => {
    const user = newUser();
    const state = familiarState(subjectOf(user));
    for (const id of ['nonce-a', 'nonce-b', undefined, undefined])
      await lockout.countFailure(state, settings, T0, id);
    expect(await lockout.attemptsInWindow(state.subject, 'familiar', settings, T0)).toBe(4);
  });

  it('the attempt that went over the limit locks; its retry is not refused by a second count, the lock refuses it', async () => {
    const user = newUser();
    const state = familiarState(subjectOf(user));
    const over = [];
    for (let i = 1; i <= 6; i++) over.push(await lockout.countFailure(state, settings, T0 + i, `nonce-${i}`));
    expect(over).toEqual([false, false, false, false, false, true]);
    expect(await lockout.countFailure(state, settings, T0 + 5000, 'nonce-6')).toBe(false);
    expect(await lockout.attemptsInWindow(state.subject, 'familiar', settings, T0 + 5000)).toBe(6);
    const read = await lockout.readLockState(state.subject, {}, settings, T0 + 5000);
    expect(read).toMatchObject({ side: 'unfamiliar', locked: false });
    const familiar = await lockout.lockoutState(user.sub, settings, T0 + 5000);
    expect(familiar.sides.familiar.lockedUntil).toBeGreaterThan(T0 + 5000);
  });

  it('a store failure with an attempt id is raised, not taken for a counted retry', async () => {
    const { documentClient } = await import('../../shared/storage/table.js');
    const client = documentClient();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const spy = vi.spyOn(client, 'send').mockRejectedValue(throttled as never);
    try {
      const state = familiarState(subjectOf(newUser()));
      await expect(lockout.countFailure(state, settings, T0, 'nonce-a')).rejects.toThrow('Rate exceeded');
    } finally {
      spy.mockRestore();
    }
  });
});
