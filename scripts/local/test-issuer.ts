/**
 * A Cognito-like token issuer for tests and benchmarks: an RSA key pair, a tiny RS256 signer
 * (node:crypto), and a real local http server serving the JWKS at
 * `/<poolId>/.well-known/jwks.json`, as cognito-local does. Never used by a deployed function.
 */
import { createHmac, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as a JWK, with `kid`, `alg` and `use`. */
  jwk: Record<string, string>;
}

/** A fresh RSA key (2048 bits, like Cognito's). */
export function createTestKey(kid: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return { kid, privateKey, publicKey, jwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } };
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An RS256 compact JWT; `header` overrides the default `{alg: RS256, kid}`. */
export function signToken(
  key: TestKey,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
) {
  const input = `${encode({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })}.${encode(payload)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key.privateKey).toString('base64url');
  return `${input}.${signature}`;
}

/** An HS256 JWT with an arbitrary secret (the "public key as HMAC secret" confusion attack). */
export function signHs256(
  secret: string | Buffer,
  payload: Record<string, unknown>,
  header: Record<string, unknown>,
) {
  const input = `${encode({ alg: 'HS256', typ: 'JWT', ...header })}.${encode(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** An unsigned JWT (`alg: none`). */
export function unsignedToken(payload: Record<string, unknown>, header: Record<string, unknown> = {}) {
  return `${encode({ alg: 'none', typ: 'JWT', ...header })}.${encode(payload)}.`;
}

export interface TestIssuer {
  /** `http://127.0.0.1:<port>`; a pool's issuer is `<base>/<poolId>`. */
  base: string;
  issuer(poolId: string): string;
  /** Keys currently published (mutable: rotate by pushing a new one). */
  keys: TestKey[];
  /** JWKS requests served, by path. */
  requests: string[];
  stop(): Promise<void>;
}

/** Starts the JWKS server on a free loopback port. */
export async function startTestIssuer(keys: TestKey[]): Promise<TestIssuer> {
  const requests: string[] = [];
  const state = { keys };
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (!req.url?.endsWith('/.well-known/jwks.json')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: state.keys.map((key) => key.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    issuer: (poolId) => `${base}/${poolId}`,
    get keys() {
      return state.keys;
    },
    set keys(next) {
      state.keys = next;
    },
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Claims of a Cognito access token, valid for an hour from `now` (seconds). */
export function accessClaims(issuer: string, clientId: string, extra: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: 'b1f3c2a4-0000-4000-8000-000000000001',
    'cognito:groups': ['readers'],
    iss: issuer,
    client_id: clientId,
    origin_jti: crypto.randomUUID(),
    event_id: crypto.randomUUID(),
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin gatehouse/items.read',
    auth_time: now,
    exp: now + 3600,
    iat: now,
    jti: crypto.randomUUID(),
    username: 'ann',
    ...extra,
  };
}

/** Claims of a Cognito ID token. */
export function idClaims(issuer: string, clientId: string, extra: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: 'b1f3c2a4-0000-4000-8000-000000000001',
    'cognito:groups': ['readers'],
    email_verified: true,
    iss: issuer,
    'cognito:username': 'ann',
    origin_jti: crypto.randomUUID(),
    aud: clientId,
    event_id: crypto.randomUUID(),
    token_use: 'id',
    auth_time: now,
    exp: now + 3600,
    iat: now,
    jti: crypto.randomUUID(),
    email: 'ann@example.org',
    ...extra,
  };
}
