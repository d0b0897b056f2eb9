import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, localEnvironment, startLocalDynamo } from '../../scripts/local/emulators.js';
import { RevocationCheck } from '../../shared/authorizer/revocation.js';
import { recordSignOut, revokeTokenId } from '../../shared/authorizer/revoke.js';
import { TokenCache } from '../../shared/authorizer/verify-cache.js';
import { admitted, eventFor, type Fixture, startFixture } from './fixture.js';

/**
 * Attacks on the verified-token cache (keyed by the whole Authorization value): a near copy of a
 * cached token, a cached token past its exp, a cached token revoked or signed out after it was
 * cached. Revocation runs against dynalite.
 */
let fx: Fixture;
let dynamo: LocalDynamo;
let client: DynamoDBDocumentClient;

beforeAll(async () => {
  [fx, dynamo] = await Promise.all([startFixture(), startLocalDynamo('gatehouse-token-cache')]);
  Object.assign(process.env, localEnvironment(dynamo));
  client = DynamoDBDocumentClient.from(dynamo.client);
});
afterAll(async () => Promise.all([fx?.stop(), dynamo?.stop()]));

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** `text` with the character at `index` swapped for another base64url character. */
function oneCharOff(text: string, index: number): string {
  const swapped = text[index] === 'A' ? 'B' : 'A';
  return `${text.slice(0, index)}${swapped}${text.slice(index + 1)}`;
}

describe('attack: the verified-token cache', () => {
  it('a token whose signature differs by one character never hits the cache, and is refused', async () => {
    const authorizer = await fx.authorizer();
    const token = fx.access();
    await admitted(authorizer, eventFor('http-2.0', `Bearer ${token}`));
    expect((await authorizer.authorize(eventFor('http-2.0', `Bearer ${token}`))).cached).toBe(true);
    const signatureStart = token.lastIndexOf('.') + 1;
    for (const index of [signatureStart, signatureStart + 100, token.length - 5]) {
      const forged = oneCharOff(token, index);
      await expect(authorizer.authorize(eventFor('http-2.0', `Bearer ${forged}`))).rejects.toMatchObject({
        reason: 'INVALID_TOKEN',
        detail: 'signature',
      });
    }
    // The genuine token still hits: the forgeries neither replaced nor evicted it.
    expect((await authorizer.authorize(eventFor('http-2.0', `Bearer ${token}`))).cached).toBe(true);
  });

  it('a payload changed by one character under a cached signature never hits, and is refused', async () => {
    const authorizer = await fx.authorizer();
    const token = fx.access();
    await admitted(authorizer, eventFor('http-2.0', `Bearer ${token}`));
    const forged = oneCharOff(token, token.indexOf('.') + 10);
    await expect(authorizer.authorize(eventFor('http-2.0', `Bearer ${forged}`))).rejects.toMatchObject({
      reason: expect.stringMatching(/INVALID_TOKEN|MALFORMED_TOKEN/),
    });
  });

  it('a cached token past its exp is refused, and leaves the cache', async () => {
    const authorizer = await fx.authorizer({ AUTHORIZER_GRACE_SECONDS: '0' });
    const exp = nowSeconds() + 1;
    const event = eventFor('http-2.0', `Bearer ${fx.access({ exp })}`);
    await admitted(authorizer, event);
    expect((await authorizer.authorize(event)).cached).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 + 50 - Date.now())));
    for (let i = 0; i < 2; i++) {
      await expect(authorizer.authorize(event)).rejects.toMatchObject({
        reason: 'INVALID_TOKEN',
        detail: 'expired',
      });
    }
  });

  it('a token revoked after it was cached is refused at its next use', async () => {
    const revocation = new RevocationCheck(
      () => client,
      () => dynamo.tableName,
      0,
    );
    const authorizer = await fx.authorizer({}, {}, { revocation });
    const jti = crypto.randomUUID();
    const event = eventFor('http-2.0', `Bearer ${fx.access({ jti })}`);
    await admitted(authorizer, event);
    expect((await authorizer.authorize(event)).cached).toBe(true);
    await revokeTokenId(client, dynamo.tableName, jti, nowSeconds() + 3600);
    await expect(authorizer.authorize(event)).rejects.toMatchObject({ reason: 'REVOKED' });
    await expect(authorizer.authorize(event)).rejects.toMatchObject({ reason: 'REVOKED' });
  });

  it('a cached token of a user who then signed out everywhere is refused', async () => {
    const revocation = new RevocationCheck(
      () => client,
      () => dynamo.tableName,
      0,
    );
    const authorizer = await fx.authorizer({}, {}, { revocation });
    const sub = crypto.randomUUID();
    const iat = nowSeconds() - 10;
    const event = eventFor('http-2.0', `Bearer ${fx.access({ sub, iat })}`);
    await admitted(authorizer, event);
    expect(await authorizer.authorize(event)).toMatchObject({ effect: 'Allow', cached: true });
    await recordSignOut(client, dynamo.tableName, sub, iat + 1);
    await expect(authorizer.authorize(event)).rejects.toMatchObject({ reason: 'SIGNED_OUT' });
  });

  it('many distinct tokens keep the cache bounded; the oldest leave first', () => {
    const cache = new TokenCache<number>(3);
    for (let i = 0; i < 10; i++) cache.set(`token-${i}`, i);
    expect(cache.size).toBe(3);
    expect([cache.get('token-6'), cache.get('token-7'), cache.get('token-9')]).toEqual([undefined, 7, 9]);
    cache.get('token-8');
    cache.set('token-10', 10);
    // Used in the order 7, 9, 8: token-7 is the least recently used, and leaves.
    expect(cache.get('token-7')).toBeUndefined();
    expect([cache.get('token-8'), cache.get('token-9'), cache.get('token-10')]).toEqual([8, 9, 10]);
    expect(() => new TokenCache(0)).toThrow();
  });

  it('stores a value offered once never, from its second offer on always; marks never make a hit', () => {
    const cache = new TokenCache<number>(4);
    expect([cache.offer('token-a', 1), cache.get('token-a'), cache.size]).toEqual([false, undefined, 0]);
    expect([cache.offer('token-a', 2), cache.get('token-a')]).toEqual([true, 2]);
    // A value sharing the marked tail (every character but the first) is stored at its first
    // offer (a stray admission), yet a lookup still needs the whole value.
    const tail = 'x'.repeat(40);
    cache.offer(`a${tail}`, 3);
    expect(cache.get(`b${tail}`)).toBeUndefined();
    expect(cache.offer(`b${tail}`, 4)).toBe(true);
    expect([cache.get(`a${tail}`), cache.get(`b${tail}`)]).toEqual([undefined, 4]);
  });

  it('one-shot tokens never displace a token in use: a stream of new tokens stores none of them', () => {
    const cache = new TokenCache<number>(3);
    cache.offer('kept', 0);
    cache.offer('kept', 0);
    for (let i = 0; i < 1000; i++) cache.offer(`${'z'.repeat(40)}-one-shot-${i}`, i);
    expect([cache.size, cache.get('kept')]).toEqual([1, 0]);
  });
});
