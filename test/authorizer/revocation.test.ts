import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RevocationCheck } from '../../shared/authorizer/revocation.js';
import { recordSignOut, revokeTokenId } from '../../shared/authorizer/revoke.js';
import { useLocalDynamo } from '../support/emulators.js';
import { arnOf, eventFor, type Fixture, invoke, startFixture, verdict } from './fixture.js';

/** Revocation against the real local DynamoDB (dynalite): revoked ids and sign-out times. */
let fx: Fixture;
const local = useLocalDynamo({}, 'gatehouse-revocation');
let client: DynamoDBDocumentClient;

beforeAll(async () => {
  fx = await startFixture();
  client = DynamoDBDocumentClient.from(local.dynamo.client);
});
afterAll(async () => fx?.stop());

const now = () => Math.floor(Date.now() / 1000);

function checkWith(cacheSeconds = 10, read: DynamoDBDocumentClient = client) {
  return new RevocationCheck(
    () => read,
    () => local.dynamo.tableName,
    cacheSeconds,
  );
}

describe('revocation', () => {
  it('refuses a revoked token (jti) with a 401, through the whole chain', async () => {
    const authorizer = await fx.authorizer({}, {}, { revocation: checkWith() });
    const jti = crypto.randomUUID();
    const event = eventFor('http-2.0', `Bearer ${fx.access({ jti })}`);
    expect(verdict(await invoke(authorizer, event), arnOf(event))).toBe('Allow');

    const other = eventFor('http-2.0', `Bearer ${fx.access({ jti: crypto.randomUUID() })}`);
    const revokedJti = crypto.randomUUID();
    await revokeTokenId(client, local.dynamo.tableName, revokedJti, now() + 3600);
    const revoked = eventFor('http-2.0', `Bearer ${fx.access({ jti: revokedJti })}`);
    const outcome = await invoke(authorizer, revoked);
    expect(verdict(outcome, arnOf(revoked))).toBe('Unauthorized');
    expect(outcome.logs).toContainEqual(expect.objectContaining({ reason: 'REVOKED' }));
    expect(verdict(await invoke(authorizer, other), arnOf(other))).toBe('Allow');
  });

  it('refuses every token minted from a revoked refresh token (origin_jti)', async () => {
    const authorizer = await fx.authorizer({}, {}, { revocation: checkWith() });
    const origin = crypto.randomUUID();
    await revokeTokenId(client, local.dynamo.tableName, origin, now() + 3600);
    const event = eventFor('http-2.0', `Bearer ${fx.access({ origin_jti: origin })}`);
    expect(verdict(await invoke(authorizer, event), arnOf(event))).toBe('Unauthorized');
  });

  it('ignores a revocation item past its expiresAt (TTL deletes late)', async () => {
    const authorizer = await fx.authorizer({}, {}, { revocation: checkWith() });
    const jti = crypto.randomUUID();
    await revokeTokenId(client, local.dynamo.tableName, jti, now() - 10);
    const event = eventFor('http-2.0', `Bearer ${fx.access({ jti })}`);
    expect(verdict(await invoke(authorizer, event), arnOf(event))).toBe('Allow');
  });

  it('refuses tokens issued before the user signed out, accepts those issued after', async () => {
    const sub = crypto.randomUUID();
    const authorizer = await fx.authorizer({}, {}, { revocation: checkWith() });
    await recordSignOut(client, local.dynamo.tableName, sub, now() - 100);
    const before = eventFor('http-2.0', `Bearer ${fx.access({ sub, iat: now() - 200 })}`);
    const after = eventFor('http-2.0', `Bearer ${fx.access({ sub, iat: now() - 50 })}`);
    const refused = await invoke(authorizer, before);
    expect(verdict(refused, arnOf(before))).toBe('Unauthorized');
    expect(refused.logs).toContainEqual(expect.objectContaining({ reason: 'SIGNED_OUT' }));
    expect(verdict(await invoke(authorizer, after), arnOf(after))).toBe('Allow');
  });

  it('attack: a token issued in the very second of the sign-out (iat = signedOutAt) is refused', async () => {
    const sub = crypto.randomUUID();
    const authorizer = await fx.authorizer({}, {}, { revocation: checkWith() });
    const at = now() - 30;
    await recordSignOut(client, local.dynamo.tableName, sub, at);
    const same = eventFor('http-2.0', `Bearer ${fx.access({ sub, iat: at })}`);
    const next = eventFor('http-2.0', `Bearer ${fx.access({ sub, iat: at + 1 })}`);
    const refused = await invoke(authorizer, same);
    expect(verdict(refused, arnOf(same))).toBe('Unauthorized');
    expect(refused.logs).toContainEqual(expect.objectContaining({ reason: 'SIGNED_OUT' }));
    expect(verdict(await invoke(authorizer, next), arnOf(next))).toBe('Allow');
  });

  it('is checked on cached tokens too, and read at most once per token per interval', async () => {
    const send = vi.spyOn(client, 'send');
    try {
      const authorizer = await fx.authorizer({}, {}, { revocation: checkWith(60) });
      const jti = crypto.randomUUID();
      const event = eventFor('http-2.0', `Bearer ${fx.access({ jti })}`);
      for (let i = 0; i < 5; i++) expect((await authorizer.authorize(event)).effect).toBe('Allow');
      // jti, origin_jti and the sign-out time: three reads, once.
      expect(send).toHaveBeenCalledTimes(3);
    } finally {
      send.mockRestore();
    }
  });

  it('takes effect on a warm authorizer once the cache interval passes', async () => {
    const authorizer = await fx.authorizer({}, {}, { revocation: checkWith(0) });
    const jti = crypto.randomUUID();
    const event = eventFor('http-2.0', `Bearer ${fx.access({ jti })}`);
    expect((await authorizer.authorize(event)).effect).toBe('Allow');
    await revokeTokenId(client, local.dynamo.tableName, jti, now() + 3600);
    await expect(authorizer.authorize(event)).rejects.toMatchObject({ reason: 'REVOKED' });
  });

  it('fails closed with a 500 (not a 401, not an Allow) when the table cannot be read', async () => {
    const broken = DynamoDBDocumentClient.from(local.dynamo.client);
    vi.spyOn(broken, 'send').mockRejectedValue(new Error('ProvisionedThroughputExceededException'));
    const authorizer = await fx.authorizer({}, {}, { revocation: checkWith(10, broken) });
    const event = eventFor('http-2.0', `Bearer ${fx.access()}`);
    const outcome = await invoke(authorizer, event);
    expect(verdict(outcome, arnOf(event))).toBe('Error');
    expect(outcome.logs).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'authorizer failure',
        error: expect.objectContaining({ name: 'RevocationUnavailableError' }),
      }),
    );
  });

  it('is built from AUTHORIZER_REVOCATION with the shared table client', async () => {
    const jti = crypto.randomUUID();
    await revokeTokenId(client, local.dynamo.tableName, jti, now() + 3600);
    const { runtimeSettings } = await import('../../shared/config/runtime.js');
    expect(runtimeSettings().dynamoDbEndpoint).toBe(local.dynamo.endpoint);
    const authorizer = await fx.authorizer({ AUTHORIZER_REVOCATION: 'true' });
    await expect(
      authorizer.authorize(eventFor('http-2.0', `Bearer ${fx.access({ jti })}`)),
    ).rejects.toMatchObject({
      reason: 'REVOKED',
    });
  });
});
