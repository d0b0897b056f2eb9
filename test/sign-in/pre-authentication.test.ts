import { beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../shared/config/settings.js';
import { UserFacingError } from '../../shared/errors/index.js';
import type { PreAuthenticationEvent } from '../../shared/events/index.js';
import {
  noRiskEngine,
  type RiskAction,
  type RiskHooks,
  type SignInAttempt,
} from '../../shared/risk/contract.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import { useLocalDynamo } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';

const local = useLocalDynamo();
let sut: typeof import('../../shared/sign-in/pre-authentication.js');

beforeAll(async () => {
  sut = await import('../../shared/sign-in/pre-authentication.js');
});

const CLIENT = '3example0clientid0000000000';

const settings = loadSettings(signInSettingSpecs, {
  env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '3', GATEHOUSE_LOCKOUT_WINDOW_SECONDS: '600' },
  file: {},
});

let counter = 0;
/** A pre authentication event for a fresh user, so tests never share counters. */
function event(
  changes: {
    sub?: string;
    clientId?: string;
    userNotFound?: boolean;
    attributes?: Record<string, string>;
  } = {},
) {
  const e = sampleEvent<PreAuthenticationEvent>('PreAuthentication_Authentication');
  const sub = changes.sub ?? `user-${++counter}-${Date.now()}`;
  e.userName = sub;
  e.request.userAttributes = { ...e.request.userAttributes, sub, ...changes.attributes };
  if (changes.clientId) e.callerContext.clientId = changes.clientId;
  if (changes.userNotFound) {
    e.request.userNotFound = true;
    e.request.userAttributes = {};
    e.userName = `nobody-${++counter}@example.com`;
  }
  return e;
}

/** The tests run without an engine (`noRiskEngine`) unless they pass their own. */
async function outcome(
  e: PreAuthenticationEvent,
  now?: number,
  risk: RiskHooks = noRiskEngine,
): Promise<string> {
  try {
    await sut.preAuthentication(e, settings, risk, now);
    return 'allowed';
  } catch (error) {
    if (error instanceof UserFacingError) return error.code;
    throw error;
  }
}

describe('the risk hook', () => {
  const actions: [RiskAction, string][] = [
    ['allow', 'allowed'],
    ['notify', 'allowed'],
    ['step-up', 'allowed'],
    ['block', 'SIGN_IN_RISK_BLOCKED'],
  ];
  it.each(actions)('%s → %s', async (action, expected) => {
    const seen: SignInAttempt[] = [];
    const risk: RiskHooks = {
      assess: async (attempt) => {
        seen.push(attempt);
        return { level: 'high', score: 90, action, reasons: [] };
      },
      learn: async () => ({}),
      verify: async () => ({}),
    };
    const e = event();
    expect(await outcome(e, undefined, risk)).toBe(expected);
    expect(seen[0]).toMatchObject({
      userId: e.request.userAttributes.sub,
      clientId: CLIENT,
      userNotFound: false,
      metadata: { ip: '203.0.113.42' },
    });
  });

  it.each([
    ['allow', 'allowed'],
    ['block', 'SIGN_IN_RISK_BLOCKED'],
  ] as const)(
    'sees an unknown user too (credential stuffing tries absent names): %s → %s',
    async (action, expected) => {
      const seen: SignInAttempt[] = [];
      const risk: RiskHooks = {
        ...noRiskEngine,
        assess: async (attempt) => {
          seen.push(attempt);
          return { level: 'high', score: 90, action, reasons: [] };
        },
      };
      expect(await outcome(event({ userNotFound: true }), undefined, risk)).toBe(expected);
      expect(seen).toEqual([
        expect.objectContaining({
          userNotFound: true,
          metadata: expect.objectContaining({ ip: '203.0.113.42' }),
        }),
      ]);
    },
  );
});

describe('lockout', () => {
  it('locks after the configured attempts without success, then refuses even before counting', async () => {
    const e = event();
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await outcome(structuredClone(e)));
    expect(results).toEqual(['allowed', 'allowed', 'allowed', 'SIGN_IN_LOCKED', 'SIGN_IN_LOCKED']);
  });

  it('treats an unknown user exactly like a known one, with the same message', async () => {
    const known = event();
    const unknown = event({ userNotFound: true });
    const run = async (e: PreAuthenticationEvent) => {
      const messages: string[] = [];
      for (let i = 0; i < 4; i++) {
        messages.push(
          await sut.preAuthentication(structuredClone(e), settings, noRiskEngine).then(
            () => 'allowed',
            (error: Error) => error.message,
          ),
        );
      }
      return messages;
    };
    expect(await run(unknown)).toEqual(await run(known));
    expect((await run(unknown)).at(-1)).toBe(sut.SIGN_IN_LOCKED_MESSAGE);
  });

  it('counts concurrent attempts atomically: exactly the attempts past the limit are refused', async () => {
    const e = event();
    const results = await Promise.all(Array.from({ length: 10 }, () => outcome(structuredClone(e))));
    expect(results.filter((r) => r === 'allowed')).toHaveLength(3);
    expect(results.filter((r) => r === 'SIGN_IN_LOCKED')).toHaveLength(7);
    const items = await local.dynamo.scan();
    const identity = `IDENTITY#sub#${e.request.userAttributes.sub}`;
    const failed = items.filter((item) => item.pk === identity && String(item.sk).startsWith('FAILED#'));
    // Attempts that find the lock already written are refused without being counted.
    expect(failed).toHaveLength(1);
    expect(failed[0]?.attempts).toBeGreaterThanOrEqual(4);
    expect(failed[0]?.expiresAt).toEqual(expect.any(Number));
    expect(items).toContainEqual(expect.objectContaining({ pk: identity, sk: 'LOCKED#unfamiliar' }));
  });

  it('lets the user in again once the lock has passed and its window has left the sliding count', async () => {
    const e = event();
    const start = Date.UTC(2030, 0, 1, 12, 0, 0);
    for (let i = 0; i < 4; i++) await outcome(structuredClone(e), start + i);
    expect(await outcome(structuredClone(e), start + 5 * 60_000)).toBe('SIGN_IN_LOCKED');
    // 15 minutes of lock would end inside the next 10-minute window, where the locking window
    // still weighs in: the lock lasts to that window's end instead.
    expect(await outcome(structuredClone(e), start + 15 * 60_000 + 10)).toBe('SIGN_IN_LOCKED');
    expect(await outcome(structuredClone(e), start + 20 * 60_000)).toBe('allowed');
  });

  it('starts counting afresh after a success clears the counter', async () => {
    const { clearAttempts, identityKey } = await import('../../shared/sign-in/lockout.js');
    const e = event();
    for (let i = 0; i < 3; i++) expect(await outcome(structuredClone(e))).toBe('allowed');
    await clearAttempts(identityKey(e), {}, settings);
    for (let i = 0; i < 3; i++) expect(await outcome(structuredClone(e))).toBe('allowed');
    expect(await outcome(structuredClone(e))).toBe('SIGN_IN_LOCKED');
  });
});
