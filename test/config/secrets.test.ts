/**
 * Secrets come from Secrets Manager in a deployment (through Powertools Parameters, cached) and as
 * plain values locally; during a rotation the previous value still verifies. Played against a
 * local stand-in that speaks Secrets Manager's GetSecretValue (JSON protocol) on a random port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSecretsManager, startLocalSecretsManager } from '../support/secrets-manager.js';

let local: LocalSecretsManager;
let secrets: typeof import('../../shared/config/secrets.js');

beforeAll(async () => {
  local = await startLocalSecretsManager();
  process.env.SECRETS_MANAGER_ENDPOINT = local.endpoint;
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  secrets = await import('../../shared/config/secrets.js');
});

afterAll(async () => {
  delete process.env.SECRETS_MANAGER_ENDPOINT;
  await local.stop();
});

describe('secrets', () => {
  it('local runs keep the plain value', async () => {
    expect(await secrets.readSecret({ plain: 'p'.repeat(32) })).toEqual({ current: 'p'.repeat(32) });
    expect(await secrets.readSecret({})).toBeUndefined();
  });

  it('a deployment reads the secret from Secrets Manager, once per cache period', async () => {
    local.store.set('gatehouse/test/one', { AWSCURRENT: 'c'.repeat(32) });
    local.requests.length = 0;
    expect(await secrets.readSecret({ secretId: 'gatehouse/test/one', plain: 'ignored' })).toEqual({
      current: 'c'.repeat(32),
    });
    expect(await secrets.readSecret({ secretId: 'gatehouse/test/one' })).toEqual({ current: 'c'.repeat(32) });
    expect(local.requests.filter((r) => r.stage === 'AWSCURRENT')).toHaveLength(1);
  });

  it('during a rotation the previous value is accepted too, the current one first', async () => {
    local.store.set('gatehouse/test/rotating', {
      AWSCURRENT: 'new'.repeat(11),
      AWSPREVIOUS: 'old'.repeat(11),
    });
    const value = await secrets.readSecret({ secretId: 'gatehouse/test/rotating' });
    expect(value).toEqual({ current: 'new'.repeat(11), previous: 'old'.repeat(11) });
    expect(secrets.acceptedValues(value!)).toEqual(['new'.repeat(11), 'old'.repeat(11)]);
  });

  it('a missing secret fails with its name, never silently allows', async () => {
    await expect(secrets.readSecret({ secretId: 'gatehouse/test/missing' })).rejects.toThrow();
  });
});

describe('magic links during a rotation (attack: a link signed with a key that is neither)', () => {
  it('a link signed with the previous key still verifies; one signed with another key never does', async () => {
    const { readWithAcceptedKeys, signWithCurrentKey } = await import(
      '../../shared/custom-auth/link-secret.js'
    );
    const claims = { u: 'user-1', c: 'challenge-1', e: 2_000_000_000 };
    const before = { current: 'old'.repeat(11) };
    const during = { current: 'new'.repeat(11), previous: 'old'.repeat(11) };
    const inFlight = signWithCurrentKey(claims, before);
    expect(readWithAcceptedKeys(inFlight, during)).toEqual(claims);
    expect(readWithAcceptedKeys(signWithCurrentKey(claims, during), during)).toEqual(claims);
    const forged = signWithCurrentKey(claims, { current: 'attacker'.repeat(5) });
    expect(readWithAcceptedKeys(forged, during)).toBeUndefined();
    // After the rotation completes (AWSPREVIOUS gone), the old key no longer verifies.
    expect(readWithAcceptedKeys(inFlight, { current: 'new'.repeat(11) })).toBeUndefined();
  });
});
