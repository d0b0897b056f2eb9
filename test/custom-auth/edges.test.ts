import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeDigest, newChallengeId, readMagicLink, signMagicLink } from '../../shared/custom-auth/codes.js';
import { challengeId, challengeKind, nextStep } from '../../shared/custom-auth/state-machine.js';
import type { ChallengeName, ChallengeResult } from '../../shared/events/index.js';

/**
 * The edges mutation testing found untested (issue 19): the first step of a passwordless
 * conversation, factor entries of the wrong kind, the metadata readers, and the magic link's
 * claim checks and length cap.
 */
const entry = (challengeName: ChallengeName, challengeResult: boolean, challengeMetadata?: string) =>
  ({
    challengeName,
    challengeResult,
    ...(challengeMetadata ? { challengeMetadata } : {}),
  }) as ChallengeResult;
const options = { userNotFound: false, maxAnswers: 3 };
const outOfOrder = { action: 'fail', reason: 'out-of-order' };

describe('the conversation must open with the provide-auth-parameters step', () => {
  it.each([
    ['a code challenge answered wrong', entry('CUSTOM_CHALLENGE', false, 'EMAIL_CODE:c1')],
    ['a magic link challenge answered wrong', entry('CUSTOM_CHALLENGE', false, 'MAGIC_LINK:l1')],
    ['a step-up challenge answered wrong', entry('CUSTOM_CHALLENGE', false, 'STEP_UP:s1')],
    ['a custom challenge without metadata', entry('CUSTOM_CHALLENGE', false)],
    ['a password verifier', entry('PASSWORD_VERIFIER', false)],
    ['an SMS MFA step', entry('SMS_MFA' as ChallengeName, false, 'PROVIDE_AUTH_PARAMETERS')],
  ])('%s as the first step (a false answer, so no later check refuses it) fails', (_, first) => {
    expect(nextStep([first], options)).toEqual(outOfOrder);
  });

  it('the provide-auth-parameters step answered wrong (by design) opens it', () => {
    expect(nextStep([entry('CUSTOM_CHALLENGE', false, 'PROVIDE_AUTH_PARAMETERS')], options)).toEqual({
      action: 'challenge',
      challengeName: 'CUSTOM_CHALLENGE',
    });
  });
});

describe('a factor step must be a custom challenge of an allowed kind', () => {
  const params = entry('CUSTOM_CHALLENGE', false, 'PROVIDE_AUTH_PARAMETERS');
  it.each([
    ['a right code under another challenge name', entry('SMS_MFA' as ChallengeName, true, 'EMAIL_CODE:c1')],
    ['a right answer without metadata', entry('CUSTOM_CHALLENGE', true)],
    ['a right answer of an unknown kind', entry('CUSTOM_CHALLENGE', true, 'OTHER:c1')],
    ['a right step-up answer in a passwordless conversation', entry('CUSTOM_CHALLENGE', true, 'STEP_UP:s1')],
  ])('%s fails', (_, factor) => {
    expect(nextStep([params, factor], options)).toEqual(outOfOrder);
  });

  it('after a password, a right code under another challenge name fails', () => {
    const session = [entry('SRP_A', true), entry('PASSWORD_VERIFIER', true)];
    expect(nextStep([...session, entry('SMS_MFA' as ChallengeName, true, 'STEP_UP:s1')], options)).toEqual(
      outOfOrder,
    );
  });
});

describe('challenge metadata', () => {
  it.each([
    ['EMAIL_CODE:c1', 'EMAIL_CODE', 'c1'],
    ['STEP_UP:a:b', 'STEP_UP', 'a:b'],
    ['OTHER:c1', undefined, 'c1'],
    ['EMAIL_CODE', 'EMAIL_CODE', undefined],
    [':c1', undefined, undefined],
    ['EMAIL_CODE:', 'EMAIL_CODE', undefined],
    [null, undefined, undefined],
    [undefined, undefined, undefined],
  ])('%j has kind %j and id %j', (metadata, kind, id) => {
    expect(challengeKind(metadata)).toBe(kind);
    expect(challengeId(metadata)).toBe(id);
  });
});

describe('codes and ids', () => {
  it('a challenge id is 128 random bits in base64url', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newChallengeId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('the digest is SHA-256 over "<challenge id>\\n<code>", base64url (a known answer)', () => {
    // sha256("challenge-1\n123456"), computed once with `printf 'challenge-1\n123456' | sha256sum`.
    expect(codeDigest('challenge-1', '123456')).toBe('7gIQgSWOZ6A21aQWuTMeSmgq_iFwcIjLBQzBiPYosXw');
  });
});

describe('magic link tokens: what a valid signature does not excuse', () => {
  const SECRET = 'k'.repeat(32);
  /** A token signed with the right secret over any payload (what a leaked secret could not do). */
  const signedOver = (claims: Record<string, unknown>) => {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
  };

  it('the signature is HMAC-SHA256 over the payload, base64url', () => {
    const claims = { u: 'user-1', c: 'challenge-1', e: 2_000_000_000 };
    expect(signMagicLink(claims, SECRET)).toBe(signedOver(claims));
  });

  it.each([
    ['no numeric expiry (a string)', { u: 'user-1', c: 'challenge-1', e: '2000000000' }],
    ['no expiry at all', { u: 'user-1', c: 'challenge-1' }],
    ['a numeric user', { u: 7, c: 'challenge-1', e: 2_000_000_000 }],
    ['no challenge id', { u: 'user-1', e: 2_000_000_000 }],
  ])('refuses a validly signed link with %s', (_, claims) => {
    expect(readMagicLink(signedOver(claims), SECRET)).toBeUndefined();
  });

  it('refuses a validly signed payload that is not JSON', () => {
    const payload = Buffer.from('not json').toString('base64url');
    const token = `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
    expect(readMagicLink(token, SECRET)).toBeUndefined();
  });

  /** A validly signed token of exactly `length` characters (an extra claim pads it). */
  function tokenOfLength(length: number): string {
    for (let pad = 0; pad < length; pad++) {
      const token = signedOver({ u: 'user-1', c: 'challenge-1', e: 2_000_000_000, p: 'x'.repeat(pad) });
      if (token.length === length) return token;
      if (token.length > length) break;
    }
    throw new Error(`no token of length ${length}`);
  }

  it('accepts a validly signed token of 2048 characters and refuses one of 2049 or more', () => {
    expect(readMagicLink(tokenOfLength(2048), SECRET)).toMatchObject({ u: 'user-1', e: 2_000_000_000 });
    for (const length of [2049, 2050, 2051]) {
      const token = (() => {
        try {
          return tokenOfLength(length);
        } catch {
          return undefined;
        }
      })();
      if (token) expect(readMagicLink(token, SECRET)).toBeUndefined();
    }
    const long = signedOver({ u: 'user-1', c: 'challenge-1', e: 2_000_000_000, p: 'x'.repeat(4000) });
    expect(readMagicLink(long, SECRET)).toBeUndefined();
  });
});
