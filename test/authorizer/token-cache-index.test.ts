import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEX_LENGTH, TokenCache, tailMark } from '../../shared/authorizer/verify-cache.js';
import { admitted, eventFor, type Fixture, startFixture } from './fixture.js';

/**
 * The verified-token cache finds an entry by a 32-bit mark of the value's last INDEX_LENGTH
 * characters (part of the signature) and hits only on the whole value: attacks on that index. A value sharing a cached
 * token's tail must never be answered with the cached token's entry, nor remove it unless it is
 * itself verified.
 */
let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => fx?.stop());

const tail = 'T'.repeat(INDEX_LENGTH);

describe('attack: values sharing a cached value’s tail', () => {
  it('never get its entry, and the later value verified takes the slot', () => {
    const cache = new TokenCache<string>(10);
    cache.set(`Bearer first.${tail}`, 'first');
    expect(cache.get(`Bearer other.${tail}`)).toBeUndefined();
    expect(cache.get(`bearer first.${tail}`)).toBeUndefined();
    expect(cache.get(`Bearer first.${tail}`)).toBe('first');
    // Asking to forget a value of the same tail that was never stored leaves the entry.
    cache.delete(`Bearer other.${tail}`);
    expect(cache.get(`Bearer first.${tail}`)).toBe('first');
    cache.set(`Bearer second.${tail}`, 'second');
    expect(cache.size).toBe(1);
    expect(cache.get(`Bearer first.${tail}`)).toBeUndefined();
    expect(cache.get(`Bearer second.${tail}`)).toBe('second');
  });

  it('values whose different tails share a mark never get each other’s entry', () => {
    const [first, second] = tailsSharingAMark();
    expect(first).not.toBe(second);
    const cache = new TokenCache<string>(8);
    cache.set(`Bearer a.${first}`, 'first');
    expect(cache.get(`Bearer a.${second}`)).toBeUndefined();
    cache.delete(`Bearer a.${second}`); // never stored: the entry stays
    expect(cache.get(`Bearer a.${first}`)).toBe('first');
    // Offered twice, the colliding value is admitted and takes the slot: the first is then a miss.
    expect(cache.offer(`Bearer a.${second}`, 'second')).toBe(false);
    expect(cache.offer(`Bearer a.${second}`, 'second')).toBe(true);
    expect(cache.get(`Bearer a.${first}`)).toBeUndefined();
    expect(cache.get(`Bearer a.${second}`)).toBe('second');
    expect(cache.size).toBe(1);
  });

  it('keeps the least-recently-used order and the bound with values shorter than the tail', () => {
    const cache = new TokenCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3); // b is the least recently used
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.size]).toEqual([1, undefined, 3, 2]);
    cache.delete('a');
    cache.set('d', 4);
    cache.set('e', 5); // c is now the least recently used
    expect([cache.get('c'), cache.get('d'), cache.get('e'), cache.size]).toEqual([undefined, 4, 5, 2]);
  });

  it('a forged token with a cached token’s signature is refused, and the genuine one still hits', async () => {
    const authorizer = await fx.authorizer();
    const token = fx.access({ 'cognito:groups': ['readers'] });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    await admitted(authorizer, eventFor('http-2.0', `Bearer ${token}`));
    // The same signature (so the same tail) over another payload: admin rights claimed.
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = [
      header,
      Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['admins'] })).toString('base64url'),
      signature,
    ].join('.');
    await expect(authorizer.authorize(eventFor('http-2.0', `Bearer ${forged}`))).rejects.toMatchObject({
      reason: 'INVALID_TOKEN',
      detail: 'signature',
    });
    expect(await authorizer.authorize(eventFor('http-2.0', `Bearer ${token}`))).toMatchObject({
      cached: true,
      sub: claims.sub,
    });
  });

  it('the same token under another scheme spelling is verified on its own, never served the cached entry', async () => {
    const authorizer = await fx.authorizer();
    const token = fx.access();
    await admitted(authorizer, eventFor('http-2.0', `Bearer ${token}`));
    expect((await authorizer.authorize(eventFor('http-2.0', `Bearer ${token}`))).cached).toBe(true);
    expect((await authorizer.authorize(eventFor('http-2.0', `BEARER ${token}`))).cached).toBe(false);
    expect((await authorizer.authorize(eventFor('http-2.0', `BEARER ${token}`))).cached).toBe(true);
  });
});

/** Two base64url tails of INDEX_LENGTH characters with one mark, found as an attacker would (birthday search). */
function tailsSharingAMark(): [string, string] {
  const seen = new Map<number, string>();
  for (;;) {
    const tail = randomBytes(24).toString('base64url');
    const other = seen.get(tailMark(tail));
    if (other !== undefined && other !== tail) return [other, tail];
    seen.set(tailMark(tail), tail);
  }
}
