import { describe, expect, it } from 'vitest';
import { sampleKeySettings } from '../../scripts/local/sample-keys.js';
import { accessClaims, createTestKey, signToken } from '../../scripts/local/test-issuer.js';
import { sampleToken } from '../../scripts/samples.js';
import { loadAuthorizerSettings } from '../../shared/authorizer/settings.js';
import { TokenVerifier, trustedPools } from '../../shared/authorizer/verify.js';
import { ConfigError } from '../../shared/errors/index.js';

/**
 * AUTHORIZER_LOCAL_JWKS: the samples' public key pinned for their local pool, so that
 * `npm run invoke -- authorizer <sample>` answers without any JWKS server. A key anyone can read
 * in the repository must never vouch for a deployed pool.
 */
const local = sampleKeySettings({});
const settings = (env: Record<string, string | undefined>) =>
  loadAuthorizerSettings({ env, file: { authorizer: { routes: [] } } });

/** A verifier whose fetcher fails: any token it accepts was checked against the pinned key. */
const offlineVerifier = (env: Record<string, string | undefined>) =>
  new TokenVerifier(trustedPools(settings(env)), 5, {
    fetch: () => Promise.reject(new Error('no network in this test')),
  });

describe('the pinned local JWKS', () => {
  it("verifies the samples' tokens without fetching anything", async () => {
    const verifier = offlineVerifier(local);
    await expect(verifier.verify(sampleToken('allow'))).resolves.toMatchObject({
      'cognito:groups': ['readers'],
    });
  });

  it('refuses a token of the same kid signed by another key', async () => {
    const impostor = createTestKey('gatehouse-local-sample-1');
    const claims = accessClaims(
      'http://gatehouse.localhost/local_GatehouseSamples',
      '3example0clientid0000000000',
    );
    await expect(offlineVerifier(local).verify(signToken(impostor, claims))).rejects.toMatchObject({
      reason: 'INVALID_TOKEN',
    });
  });

  it.each([
    ['a deployed pool id', { ...local, USER_POOL_ID: 'us-east-1_AbCdEf123' }],
    ['no local issuer', { ...local, AUTHORIZER_LOCAL_ISSUER: undefined }],
    ['no pool at all', { AUTHORIZER_LOCAL_JWKS: local.AUTHORIZER_LOCAL_JWKS }],
  ])('is refused at cold start with %s', (_, env) => {
    expect(() => trustedPools(settings(env))).toThrow(ConfigError);
    expect(() => trustedPools(settings(env))).toThrow(
      'Setting AUTHORIZER_LOCAL_JWKS (environment): only for local runs: needs AUTHORIZER_LOCAL_ISSUER and a local_ USER_POOL_ID, outside AWS Lambda',
    );
  });

  it('is refused inside AWS Lambda, even for a local pool', () => {
    process.env.AWS_LAMBDA_RUNTIME_API = '127.0.0.1:9001';
    try {
      expect(() => trustedPools(settings(local))).toThrow(ConfigError);
    } finally {
      delete process.env.AWS_LAMBDA_RUNTIME_API;
    }
  });

  it("is not offered by the samples' settings when the caller names a pool", () => {
    expect(sampleKeySettings({ USER_POOL_ID: 'us-east-1_AbCdEf123' }).AUTHORIZER_LOCAL_JWKS).toBeUndefined();
  });
});
