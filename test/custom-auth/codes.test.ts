import { describe, expect, it } from 'vitest';
import {
  codeDigest,
  generateCode,
  readMagicLink,
  safeEqual,
  signMagicLink,
} from '../../shared/custom-auth/codes.js';

const SECRET = 'k'.repeat(32);

describe('one-time codes', () => {
  it.each([6, 8, 10])('has %i digits, leading zeros included', (length) => {
    for (let i = 0; i < 200; i++) expect(generateCode(length)).toMatch(new RegExp(`^\\d{${length}}$`));
  });

  it('uses every digit in every position', () => {
    const seen = Array.from({ length: 6 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) {
      for (const [at, digit] of [...generateCode(6)].entries()) seen[at]!.add(digit);
    }
    for (const digits of seen) expect(digits.size).toBe(10);
  });

  it('is stored as a digest salted by its challenge, compared in constant time', () => {
    expect(codeDigest('a', '123456')).not.toBe(codeDigest('b', '123456'));
    expect(safeEqual(codeDigest('a', '123456'), codeDigest('a', '123456'))).toBe(true);
    expect(safeEqual(codeDigest('a', '123456'), codeDigest('a', '123457'))).toBe(false);
    expect(safeEqual('short', 'a much longer string')).toBe(false);
  });
});

describe('magic link tokens', () => {
  const claims = { u: 'user-1', c: 'challenge-1', e: 2_000_000_000 };

  it('round-trips a signed token', () => {
    expect(readMagicLink(signMagicLink(claims, SECRET), SECRET)).toEqual(claims);
  });

  it.each([
    ['another secret', (t: string) => t, 'x'.repeat(32)],
    [
      'a changed payload',
      (t: string) =>
        `${Buffer.from(JSON.stringify({ ...claims, u: 'admin' })).toString('base64url')}.${t.split('.')[1]}`,
      SECRET,
    ],
    ['a missing signature', (t: string) => t.split('.')[0]!, SECRET],
    ['an extra part', (t: string) => `${t}.x`, SECRET],
    ['an oversized token', (t: string) => t + 'A'.repeat(3000), SECRET],
  ])('refuses %s', (_, change, secret) => {
    expect(readMagicLink(change(signMagicLink(claims, SECRET)), secret)).toBeUndefined();
  });
});
