import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessClaims,
  createTestKey,
  idClaims,
  signToken,
  startTestIssuer,
  type TestIssuer,
} from '../../scripts/local/test-issuer.js';
import { loadAuthorizerSettings } from '../../shared/authorizer/settings.js';
import {
  assertLifetime,
  JwksUnavailableError,
  TokenVerifier,
  trustedPools,
} from '../../shared/authorizer/verify.js';
import { ConfigError } from '../../shared/errors/index.js';

/**
 * Token verification on its own (shared/authorizer/verify.ts): which pools are trusted and how,
 * which verifier judges a token when Cognito and local pools are mixed, the synchronous path, and
 * the name each refusal gets in the log (`detail`). The authorizer tests reach the same code through
 * the handler; these pin what they leave implicit (issue 19, mutation group authorizer-verify).
 */
const key = createTestKey('verify-key-1');
const LOCAL_POOL = 'local_Verify1';
const LOCAL_CLIENT = 'local-client';
const COGNITO_POOL = 'eu-west-1_AbCdEf123';
const COGNITO_ISS = `https://cognito-idp.eu-west-1.amazonaws.com/${COGNITO_POOL}`;
const COGNITO_CLIENT = 'real-client';

let issuer: TestIssuer;
let localIss: string;
beforeAll(async () => {
  issuer = await startTestIssuer([key]);
  localIss = issuer.issuer(LOCAL_POOL);
});
afterAll(async () => issuer?.stop());

const settings = (env: Record<string, string | undefined>, pools: unknown[] = []) =>
  loadAuthorizerSettings({ env, file: { authorizer: { routes: [], pools } } });

/** Serves the test key as every Cognito JWKS, and records what was fetched. */
function cognitoFetcher(keys = () => [key.jwk]) {
  const fetched: string[] = [];
  return {
    fetched,
    fetch: async (uri: string) => {
      fetched.push(uri);
      if (uri.startsWith('http://127.0.0.1')) return (await fetch(uri)).arrayBuffer();
      const body = Buffer.from(JSON.stringify({ keys: keys() }));
      return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
    },
  };
}

const localPool = (tokenUse = 'any') => ({
  userPoolId: LOCAL_POOL,
  clientIds: [LOCAL_CLIENT],
  tokenUse,
  issuer: localIss,
});
const cognitoPool = (tokenUse = 'access') => ({
  userPoolId: COGNITO_POOL,
  clientIds: [COGNITO_CLIENT],
  tokenUse,
});

async function verifierOf(pools: unknown[], fetcher = cognitoFetcher()) {
  const verifier = new TokenVerifier(trustedPools(settings({}, pools)), 5, fetcher);
  await verifier.hydrate();
  return verifier;
}

const now = () => Math.floor(Date.now() / 1000);
const segments = (token: string) => token.split('.') as [string, string, string];
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('trusted pools', () => {
  it("a Cognito pool (USER_POOL_ID) is verified against Cognito's issuer and JWKS", () => {
    expect(trustedPools(settings({ USER_POOL_ID: COGNITO_POOL, USER_POOL_CLIENT_ID: 'a, b' }))).toEqual([
      {
        userPoolId: COGNITO_POOL,
        clientIds: ['a', 'b'],
        tokenUse: 'access',
        issuer: COGNITO_ISS,
        jwksUri: `${COGNITO_ISS}/.well-known/jwks.json`,
        local: false,
      },
    ]);
  });

  it('USER_POOL_ID without USER_POOL_CLIENT_ID refuses to start, naming the missing setting', () => {
    const start = () => trustedPools(settings({ USER_POOL_ID: COGNITO_POOL }));
    expect(start).toThrow(ConfigError);
    expect(start).toThrow('Setting USER_POOL_CLIENT_ID (environment): required with USER_POOL_ID');
  });

  it('a local issuer (with or without a trailing slash) serves USER_POOL_ID at <issuer>/<pool>', () => {
    for (const base of ['http://localhost:9229', 'http://localhost:9229/']) {
      const pools = trustedPools(
        settings({ USER_POOL_ID: LOCAL_POOL, USER_POOL_CLIENT_ID: 'c', AUTHORIZER_LOCAL_ISSUER: base }),
      );
      expect(pools).toEqual([
        expect.objectContaining({
          userPoolId: LOCAL_POOL,
          issuer: `http://localhost:9229/${LOCAL_POOL}`,
          jwksUri: `http://localhost:9229/${LOCAL_POOL}/.well-known/jwks.json`,
          local: true,
        }),
      ]);
    }
  });

  it('a pool with an issuer keeps its own jwksUri when it names one', () => {
    const [pool] = trustedPools(settings({}, [{ ...localPool(), jwksUri: 'http://keys.test/jwks' }]));
    expect(pool).toMatchObject({ issuer: localIss, jwksUri: 'http://keys.test/jwks', local: true });
  });

  it.each([
    [
      'in authorizer.pools',
      {},
      [{ userPoolId: 'local_NoIssuer1', clientIds: ['c'] }],
      'Setting pool local_NoIssuer1: a local pool needs an issuer (AUTHORIZER_LOCAL_ISSUER)',
    ],
    [
      'as USER_POOL_ID',
      { USER_POOL_ID: 'local_NoIssuer2', USER_POOL_CLIENT_ID: 'c' },
      [],
      'Setting pool local_NoIssuer2: a local pool needs an issuer (AUTHORIZER_LOCAL_ISSUER)',
    ],
  ])(
    'a local_ pool without an issuer (%s) refuses to start: Cognito has no such pool',
    (_, env, pools, message) => {
      const start = () => trustedPools(settings(env, pools));
      expect(start).toThrow(ConfigError);
      expect(start).toThrow(message);
    },
  );
});

describe('verification without waiting', () => {
  it('after hydrate, a valid token is verified synchronously (no promise on the hot path)', async () => {
    const verifier = await verifierOf([localPool()]);
    const payload = verifier.verifySync(signToken(key, accessClaims(localIss, LOCAL_CLIENT)));
    expect(payload).toMatchObject({ iss: localIss, client_id: LOCAL_CLIENT });
  });

  it('an invalid token is refused synchronously, not deferred to the async path', async () => {
    const verifier = await verifierOf([localPool()]);
    const [header, payload, signature] = segments(signToken(key, accessClaims(localIss, LOCAL_CLIENT)));
    const flipped = Buffer.from(signature, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => verifier.verifySync(`${header}.${payload}.${flipped.toString('base64url')}`)).toThrow(
      expect.objectContaining({ reason: 'INVALID_TOKEN', detail: 'signature' }),
    );
    const expired = signToken(key, accessClaims(localIss, LOCAL_CLIENT, { exp: now() - 60 }));
    expect(() => verifier.verifySync(expired)).toThrow(expect.objectContaining({ detail: 'expired' }));
  });

  it('a token whose kid the cached JWKS lacks is left to the async path (undefined), which fetches', async () => {
    const rotated = createTestKey('verify-key-2');
    const verifier = await verifierOf([localPool()]);
    const token = signToken(rotated, accessClaims(localIss, LOCAL_CLIENT));
    issuer.keys = [key, rotated];
    try {
      expect(verifier.verifySync(token)).toBeUndefined();
      await expect(verifier.verify(token)).resolves.toMatchObject({ iss: localIss });
      expect(verifier.verifySync(token)).toMatchObject({ iss: localIss });
    } finally {
      issuer.keys = [key];
    }
  });
});

describe('Cognito and local pools together', () => {
  const mixed = () => verifierOf([cognitoPool(), localPool()]);

  it("each pool's tokens are verified by its own verifier", async () => {
    const verifier = await mixed();
    await expect(
      verifier.verify(signToken(key, accessClaims(COGNITO_ISS, COGNITO_CLIENT))),
    ).resolves.toMatchObject({ iss: COGNITO_ISS });
    await expect(
      verifier.verify(signToken(key, accessClaims(localIss, LOCAL_CLIENT))),
    ).resolves.toMatchObject({
      iss: localIss,
    });
    expect(verifier.verifySync(signToken(key, idClaims(localIss, LOCAL_CLIENT)))).toMatchObject({
      token_use: 'id',
    });
  });

  it("a Cognito pool's client and token use are CognitoJwtVerifier's checks; a local pool's are Gatehouse's", async () => {
    const verifier = await mixed();
    const cases: Array<[string, string]> = [
      [signToken(key, accessClaims(COGNITO_ISS, 'another-client')), 'client'],
      [signToken(key, idClaims(COGNITO_ISS, COGNITO_CLIENT)), 'token-use'],
      [signToken(key, accessClaims(localIss, 'another-client')), 'cognito-claim'],
      [signToken(key, accessClaims(localIss, LOCAL_CLIENT, { token_use: 'refresh' })), 'cognito-claim'],
    ];
    for (const [token, detail] of cases) {
      await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'INVALID_TOKEN', detail });
    }
  });

  it('a token whose issuer cannot be read is judged by the Cognito verifier, and refused', async () => {
    const verifier = await mixed();
    const [header, , signature] = segments(signToken(key, accessClaims(localIss, LOCAL_CLIENT)));
    for (const payload of [
      encode({ ...accessClaims(localIss, LOCAL_CLIENT), iss: 42 }),
      Buffer.from('not json').toString('base64url'),
    ]) {
      await expect(verifier.verify(`${header}.${payload}.${signature}`)).rejects.toMatchObject({
        reason: 'INVALID_TOKEN',
      });
    }
  });
});

describe('the name of each refusal (the log line says which check failed, never the message)', () => {
  it.each<[string, () => string, string]>([
    [
      'nbf ahead',
      () => signToken(key, accessClaims(localIss, LOCAL_CLIENT, { nbf: now() + 600 })),
      'not-yet-valid',
    ],
    [
      'another issuer',
      () => signToken(key, accessClaims(`${issuer.base}/local_Other9`, LOCAL_CLIENT)),
      'issuer',
    ],
    [
      'no kid in the header',
      () => signToken(key, accessClaims(localIss, LOCAL_CLIENT), { kid: undefined }),
      'kid',
    ],
    [
      'a payload that is not JSON',
      () => {
        const [header, , signature] = segments(signToken(key, accessClaims(localIss, LOCAL_CLIENT)));
        return `${header}.${Buffer.from('{"iss":').toString('base64url')}.${signature}`;
      },
      'parse',
    ],
  ])('%s', async (_, token, detail) => {
    const verifier = await verifierOf([localPool()]);
    await expect(verifier.verify(token())).rejects.toMatchObject({ reason: 'INVALID_TOKEN', detail });
  });

  it('an issuer none of several pools has: issuer', async () => {
    const second = { ...localPool(), userPoolId: 'local_Verify2', issuer: issuer.issuer('local_Verify2') };
    const verifier = await verifierOf([localPool(), second]);
    const token = signToken(key, accessClaims(`${issuer.base}/local_Other9`, LOCAL_CLIENT));
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'INVALID_TOKEN', detail: 'issuer' });
  });

  it('a Cognito token of an unconfigured pool: issuer', async () => {
    const verifier = await verifierOf([cognitoPool()]);
    const other = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other9';
    await expect(verifier.verify(signToken(key, accessClaims(other, COGNITO_CLIENT)))).rejects.toMatchObject({
      detail: 'issuer',
    });
  });

  it('an unknown kid: unknown-kid once fetched, then unknown-kid-rate-limited until the penalty ends', async () => {
    const verifier = await verifierOf([localPool()]);
    const stranger = createTestKey('never-published');
    const first = signToken(stranger, accessClaims(localIss, LOCAL_CLIENT), { kid: 'unknown-1' });
    await expect(verifier.verify(first)).rejects.toMatchObject({ detail: 'unknown-kid' });
    const second = signToken(stranger, accessClaims(localIss, LOCAL_CLIENT), { kid: 'unknown-2' });
    await expect(verifier.verify(second)).rejects.toMatchObject({ detail: 'unknown-kid-rate-limited' });
  });

  it('an error the table does not name is "other", still a 401', async () => {
    // The JWKS holds the token's kid, but for encryption: aws-jwt-verify refuses the key.
    const encryptionOnly = { ...key.jwk, kid: 'enc-key', use: 'enc' };
    const verifier = new TokenVerifier(
      trustedPools(settings({}, [cognitoPool()])),
      5,
      cognitoFetcher(() => [key.jwk, encryptionOnly]),
    );
    const token = signToken(key, accessClaims(COGNITO_ISS, COGNITO_CLIENT), { kid: 'enc-key' });
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'INVALID_TOKEN', detail: 'other' });
  });

  it('no trusted pool at all: UnknownIssuer', async () => {
    const verifier = new TokenVerifier([], 5, cognitoFetcher());
    expect(() => verifier.verifySync(signToken(key, accessClaims(localIss, LOCAL_CLIENT)))).toThrow(
      expect.objectContaining({ reason: 'INVALID_TOKEN', detail: 'UnknownIssuer' }),
    );
  });
});

describe('an unreachable JWKS', () => {
  it('is JwksUnavailableError, carrying the fetch failure as its cause (our outage, a 500)', async () => {
    const outage = new Error('connect ECONNREFUSED');
    const verifier = new TokenVerifier(trustedPools(settings({}, [cognitoPool()])), 5, {
      fetch: () => Promise.reject(outage),
    });
    const failure = await verifier
      .verify(signToken(key, accessClaims(COGNITO_ISS, COGNITO_CLIENT)))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(JwksUnavailableError);
    expect(failure).toMatchObject({
      name: 'JwksUnavailableError',
      message: 'JWKS unavailable',
      cause: outage,
    });
  });
});

describe('assertLifetime', () => {
  const at = 1_900_000_000;
  it.each<[string, Record<string, unknown>, number, string | undefined]>([
    ['iat exactly now + grace is still accepted', { exp: at + 60, iat: at + 5 }, at * 1000, undefined],
    [
      'iat one millisecond past now + grace is refused',
      { exp: at + 60, iat: at + 5 },
      at * 1000 - 1,
      'iat-in-future',
    ],
    ['no exp', { iat: at }, at * 1000, 'no-exp'],
    ['no iat', { exp: at + 60 }, at * 1000, 'no-iat'],
  ])('%s', (_, payload, nowMs, detail) => {
    const check = () => assertLifetime(payload as never, nowMs, 5);
    if (detail === undefined) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ reason: 'INVALID_TOKEN', detail }));
  });
});
