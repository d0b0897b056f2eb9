import { describe, expect, it } from 'vitest';
import type { SignInAttempt } from '../../shared/risk/contract.js';
import { parseTimestamp, signInIdentity } from '../../shared/sign-in/history.js';

const NOW = Date.UTC(2030, 5, 1, 10, 30, 15, 250);
const attempt = (metadata: Record<string, string>, at = NOW, userName = 'ana'): SignInAttempt => ({
  userPoolId: 'pool',
  clientId: 'client',
  userName,
  userId: userName,
  userAttributes: {},
  userNotFound: false,
  metadata,
  at,
});

describe('the identity of a sign-in (idempotent history)', () => {
  it.each([
    ['epoch milliseconds', String(NOW), NOW],
    ['epoch seconds', String(Math.floor(NOW / 1000)), Math.floor(NOW / 1000) * 1000],
    ['ISO 8601', new Date(NOW).toISOString(), NOW],
    ['nonsense', 'yesterday-ish', undefined],
    ['empty', '', undefined],
  ])('parses a timestamp in %s', (_, value, expected) => {
    expect(parseTimestamp(value)).toBe(expected);
  });

  it.each([
    ['the same request id, seconds apart', { requestId: 'r1' }, { requestId: 'r1' }, 5_000, true],
    ['different request ids', { requestId: 'r1' }, { requestId: 'r2' }, 0, false],
    ['the same timestamp', { timestamp: String(NOW) }, { timestamp: String(NOW) }, 4_000, true],
    ['different timestamps', { timestamp: String(NOW) }, { timestamp: String(NOW + 1) }, 0, false],
    ['nothing, within the same minute', {}, {}, 20_000, true],
    ['nothing, in the next minute', {}, {}, 50_000, false],
    [
      'a timestamp far from the clock (ignored: the minute decides)',
      { timestamp: '1000000000000' },
      { timestamp: '1000000000001' },
      1_000,
      true,
    ],
  ])('%s → same identity: %s', (_, first, second, laterMs, same) => {
    const a = signInIdentity(attempt(first));
    const b = signInIdentity(attempt(second, NOW + laterMs));
    expect(a.id === b.id).toBe(same);
  });

  it('differs per user and per client', () => {
    const base = signInIdentity(attempt({ requestId: 'r1' }));
    expect(signInIdentity(attempt({ requestId: 'r1' }, NOW, 'bob')).id).not.toBe(base.id);
    expect(signInIdentity({ ...attempt({ requestId: 'r1' }), clientId: 'other' }).id).not.toBe(base.id);
  });

  it('orders the record by the trusted timestamp, else by now', () => {
    expect(signInIdentity(attempt({ timestamp: String(NOW - 2_000) })).keyTime).toBe(NOW - 2_000);
    expect(signInIdentity(attempt({ requestId: 'r' })).keyTime).toBe(NOW);
  });
});
