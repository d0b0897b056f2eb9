import { createHmac } from 'node:crypto';
import middy from '@middy/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AlbKey,
  type AlbKeyServer,
  createAlbKey,
  signAlbToken,
  startAlbKeyServer,
} from '../../scripts/local/alb-signer.js';
import {
  accessClaims,
  createTestKey,
  idClaims,
  signToken,
  startTestIssuer,
  type TestIssuer,
  type TestKey,
} from '../../scripts/local/test-issuer.js';
import {
  type AlbAuthenticatedContext,
  albAuthentication,
  verifyAlbRequest,
} from '../../shared/alb/middleware.js';
import { loadAlbSettings } from '../../shared/alb/settings.js';
import { AlbKeysUnavailableError, AlbRequestVerifier, AlbUnauthorized } from '../../shared/alb/verify.js';
import { DEADLINE_MARGIN_MS } from '../../shared/aws/deadline.js';
import { ConfigError } from '../../shared/errors/index.js';
import type { AlbEvent, AlbResult } from '../../shared/events/alb.js';
import { lambdaContext, sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';

/**
 * The ALB verifier against a local key that signs like an ALB (ES256, a UUID kid, the PEM public
 * key served per kid) and a local user pool issuer (RS256 JWKS) for the access token.
 */
const ALB = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188';
const OTHER_ALB =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/intruder/0a1b2c3d4e5f6a7b';
const OTHER_REGION_ALB =
  'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/shop/50dc6c495c0c9188';
const CLIENT = 'albclient000000000000000000';
const POOL = 'local_Alb1';
const SUB = '4a6f3c1e-8d2b-4b8a-9f3e-2c1d0e9b7a65';

let albKey: AlbKey;
let keys: AlbKeyServer;
let poolKey: TestKey;
let pool: TestIssuer;
let iss: string;
let verifier: AlbRequestVerifier;

beforeAll(async () => {
  albKey = createAlbKey();
  poolKey = createTestKey('pool-key-1');
  [keys, pool] = await Promise.all([startAlbKeyServer([albKey]), startTestIssuer([poolKey])]);
  iss = pool.issuer(POOL);
  verifier = new AlbRequestVerifier(settings());
});
afterAll(async () => Promise.all([keys?.stop(), pool?.stop()]));

function settings(env: Record<string, string> = {}) {
  return loadAlbSettings({
    env: { ALB_ARN: ALB, ALB_CLIENT_ID: CLIENT, ALB_ISSUER: iss, ALB_PUBLIC_KEYS_URL: keys.url, ...env },
    file: {},
  });
}

const now = () => Math.floor(Date.now() / 1000);

/** An `x-amzn-oidc-data` as the load balancer signs it: expiring in two minutes. */
function albToken(
  header: Partial<Parameters<typeof signAlbToken>[1]> = {},
  claims: Record<string, unknown> = {},
  key = albKey,
) {
  return signAlbToken(
    key,
    { signer: ALB, client: CLIENT, iss, exp: now() + 120, ...header },
    { sub: SUB, email: 'ann@example.com', email_verified: 'true', username: 'ann', ...claims },
  );
}

function albEvent(headers: Record<string, string>): AlbEvent {
  const event = sampleEvent<AlbEvent>('allowed');
  const { 'x-amzn-oidc-data': _, 'x-amzn-oidc-accesstoken': __, ...plain } = event.headers ?? {};
  event.headers = { ...plain, 'x-amzn-oidc-identity': SUB, ...headers };
  return event;
}

async function refusal(event: AlbEvent, by = verifier) {
  const error = await by.verify(event).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AlbUnauthorized);
  return error as AlbUnauthorized;
}

const segments = (jwt: string) => jwt.split('.') as [string, string, string];
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('a valid ALB header', () => {
  it('gives the typed principal (padded base64url, as the ALB writes it)', async () => {
    const token = albToken();
    expect(token.split('.')[0]).toMatch(/=*$/);
    const principal = await verifier.verify(albEvent({ 'x-amzn-oidc-data': token }));
    expect(principal).toMatchObject({ sub: SUB, username: 'ann', email: 'ann@example.com' });
    expect(principal.accessToken).toBeUndefined();
    expect(keys.requests).toContain(albKey.kid);
  });

  it('fetches the public key once per kid, then verifies from memory', async () => {
    const before = keys.requests.length;
    for (let i = 0; i < 3; i++) await verifier.verify(albEvent({ 'x-amzn-oidc-data': albToken() }));
    expect(keys.requests.length).toBe(before);
  });

  it('reads multi-value headers too (target group with multi-value headers on)', async () => {
    const event = albEvent({});
    event.multiValueHeaders = { 'x-amzn-oidc-data': [albToken()] };
    await expect(verifier.verify(event)).resolves.toMatchObject({ sub: SUB });
  });
});

describe('forgeries: each one is refused (401)', () => {
  it.each([
    ['missing header', () => albEvent({}), 'MISSING', undefined],
    [
      'another load balancer signed it (signer ARN)',
      () => albEvent({ 'x-amzn-oidc-data': albToken({ signer: OTHER_ALB }) }),
      'INVALID',
      'signer',
    ],
    [
      'a load balancer in another region signed it (signer ARN)',
      () => albEvent({ 'x-amzn-oidc-data': albToken({ signer: OTHER_REGION_ALB }) }),
      'INVALID',
      'signer',
    ],
    [
      "signed by a key this ALB's region does not serve (another region's kid)",
      () => albEvent({ 'x-amzn-oidc-data': albToken({}, {}, createAlbKey()) }),
      'INVALID',
      'unknown-kid',
    ],
    ['expired', () => albEvent({ 'x-amzn-oidc-data': albToken({ exp: now() - 60 }) }), 'INVALID', 'expired'],
    [
      'another app client',
      () => albEvent({ 'x-amzn-oidc-data': albToken({ client: 'someoneelse000000000000000' }) }),
      'INVALID',
      'client',
    ],
    [
      'another issuer',
      () => albEvent({ 'x-amzn-oidc-data': albToken({ iss: `${pool.base}/local_Other9` }) }),
      'INVALID',
      'issuer',
    ],
    [
      'a kid that is not a UUID',
      () => albEvent({ 'x-amzn-oidc-data': albToken({ kid: '../../etc/passwd' }) }),
      'INVALID',
      'kid',
    ],
    [
      'identity header of another user',
      () =>
        albEvent({
          'x-amzn-oidc-data': albToken(),
          'x-amzn-oidc-identity': 'b1f3c2a4-0000-4000-8000-00000000ad31',
        }),
      'IDENTITY_MISMATCH',
      undefined,
    ],
  ] as const)('%s', async (_, event, reason, detail) => {
    const error = await refusal(event());
    expect(error.reason).toBe(reason);
    if (detail) expect(error.detail).toBe(detail);
  });

  it('a tampered payload (another user) under the original signature', async () => {
    const [header, payload, signature] = segments(albToken());
    const forged = `${header}.${encode({ ...decode(payload), sub: 'admin', username: 'admin' })}.${signature}`;
    const error = await refusal(albEvent({ 'x-amzn-oidc-data': forged, 'x-amzn-oidc-identity': 'admin' }));
    expect(error.detail).toBe('signature');
  });

  it('algorithm confusion: HS256 keyed with the public PEM, RS256 and none under the ALB kid', async () => {
    const [, payload] = segments(albToken());
    const header = (alg: string) =>
      encode({ typ: 'JWT', kid: albKey.kid, alg, signer: ALB, client: CLIENT, iss, exp: now() + 120 });
    const hsInput = `${header('HS256')}.${payload}`;
    const hs = `${hsInput}.${createHmac('sha256', albKey.publicPem).update(hsInput).digest('base64url')}`;
    const [, , esSignature] = segments(albToken());
    for (const forged of [
      hs,
      `${header('RS256')}.${payload}.${esSignature}`,
      `${header('none')}.${payload}.`,
    ]) {
      const error = await refusal(albEvent({ 'x-amzn-oidc-data': forged }));
      expect(error.reason).toBe('INVALID');
    }
  });

  it('two different x-amzn-oidc-data values (headers and multiValueHeaders)', async () => {
    const event = albEvent({ 'x-amzn-oidc-data': albToken() });
    event.multiValueHeaders = { 'X-Amzn-Oidc-Data': [albToken({}, { sub: 'admin' })] };
    expect((await refusal(event)).reason).toBe('SEVERAL');
  });

  it('an ES256 token of the right signer signed by an intruder key reusing the real kid', async () => {
    const intruder = createAlbKey(albKey.kid);
    const error = await refusal(albEvent({ 'x-amzn-oidc-data': albToken({}, {}, intruder) }));
    expect(error.detail).toBe('signature');
  });
});

describe('the access token (ALB_VERIFY_ACCESS_TOKEN)', () => {
  let strict: AlbRequestVerifier;
  beforeAll(() => {
    strict = new AlbRequestVerifier(settings({ ALB_VERIFY_ACCESS_TOKEN: 'true' }));
  });
  const access = (extra: Record<string, unknown> = {}) =>
    signToken(poolKey, accessClaims(iss, CLIENT, { sub: SUB, ...extra }));

  it('verified against the user pool: its claims reach the principal', async () => {
    const principal = await strict.verify(
      albEvent({ 'x-amzn-oidc-data': albToken(), 'x-amzn-oidc-accesstoken': access() }),
    );
    expect(principal.accessToken).toMatchObject({ sub: SUB, token_use: 'access', client_id: CLIENT });
  });

  it.each([
    ['missing', (): string | undefined => undefined, 'ACCESS_TOKEN_MISSING'],
    ["another user's", () => access({ sub: 'b1f3c2a4-0000-4000-8000-00000000ad31' }), 'ACCESS_TOKEN_INVALID'],
    [
      'an ID token instead',
      () => signToken(poolKey, idClaims(iss, CLIENT, { sub: SUB })),
      'ACCESS_TOKEN_INVALID',
    ],
    ['another client', () => access({ client_id: 'other00000000000000000000' }), 'ACCESS_TOKEN_INVALID'],
    [
      'signed by an unknown key',
      () => signToken(createTestKey('intruder'), accessClaims(iss, CLIENT, { sub: SUB })),
      'ACCESS_TOKEN_INVALID',
    ],
    ['expired', () => access({ exp: now() - 60, iat: now() - 3660 }), 'ACCESS_TOKEN_INVALID'],
  ] as const)('refused when %s', async (_, token, reason) => {
    const value = token();
    const event = albEvent({
      'x-amzn-oidc-data': albToken(),
      ...(value ? { 'x-amzn-oidc-accesstoken': value } : {}),
    });
    expect((await refusal(event, strict)).reason).toBe(reason);
  });
});

describe('middy middleware and verifyAlbRequest', () => {
  const handlerWith = (verify: AlbRequestVerifier) =>
    middy<AlbEvent, AlbResult, Error, AlbAuthenticatedContext>()
      .use(albAuthentication(verify))
      .handler(async (_event, { principal }) => ({ statusCode: 200, body: principal.sub }));
  const call = (event: AlbEvent, verify = verifier) =>
    captureOutput(() => handlerWith(verify)(event, lambdaContext('alb') as AlbAuthenticatedContext));

  it('gives the handler the principal', async () => {
    const { result } = await call(albEvent({ 'x-amzn-oidc-data': albToken() }));
    expect(result).toEqual({ statusCode: 200, body: SUB });
  });

  it('answers 401 without calling the handler, logs the reason and never the token', async () => {
    const token = albToken({ signer: OTHER_ALB });
    const { result, output } = await call(albEvent({ 'x-amzn-oidc-data': token }));
    expect(result).toMatchObject({
      statusCode: 401,
      statusDescription: '401 Unauthorized',
      headers: { 'content-type': 'application/json' },
    });
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({ message: 'unauthorized', reason: 'INVALID', detail: 'signer' }),
    );
    for (const part of segments(token)) expect(output).not.toContain(part.replace(/=+$/, ''));
  });

  it('answers a multi-value-headers event in kind', async () => {
    const event = albEvent({});
    delete event.headers;
    event.multiValueHeaders = {};
    const { result } = await call(event);
    expect(result).toMatchObject({
      statusCode: 401,
      multiValueHeaders: { 'content-type': ['application/json'] },
    });
  });

  it('fails closed (throws: the ALB answers 502) when the key server is down', async () => {
    const down = await startAlbKeyServer([]);
    await down.stop();
    const cut = new AlbRequestVerifier(settings({ ALB_PUBLIC_KEYS_URL: down.url }));
    const { error } = await call(albEvent({ 'x-amzn-oidc-data': albToken() }), cut);
    expect(error).toBeInstanceOf(AlbKeysUnavailableError);
  });

  it('a key endpoint that accepts and never answers is cut at the invocation deadline: thrown, never let through', async () => {
    const hung = await startHungServer();
    try {
      const cut = new AlbRequestVerifier(settings({ ALB_PUBLIC_KEYS_URL: hung.url }));
      // 1.2 s left: the deadline (0.7 s) comes before the local key fetch's own 1.5 s timeout.
      const started = performance.now();
      const { error } = await captureOutput(() =>
        handlerWith(cut)(
          albEvent({ 'x-amzn-oidc-data': albToken() }),
          lambdaContext('alb', 1_200) as AlbAuthenticatedContext,
        ),
      );
      const ms = performance.now() - started;
      expect(error).toBeInstanceOf(AlbKeysUnavailableError);
      expect(hung.requests()).toBe(1);
      expect(ms).toBeGreaterThanOrEqual(1_200 - DEADLINE_MARGIN_MS - 50);
      expect(ms).toBeLessThan(1_200);
    } finally {
      await hung.stop();
    }
  });

  it('verifyAlbRequest(event, context) cuts a hung key fetch at the deadline too', async () => {
    const hung = await startHungServer();
    try {
      Object.assign(process.env, {
        ALB_ARN: ALB,
        ALB_CLIENT_ID: CLIENT,
        ALB_ISSUER: iss,
        ALB_PUBLIC_KEYS_URL: hung.url,
      });
      vi.resetModules();
      const fresh = await import('../../shared/alb/middleware.js');
      const started = performance.now();
      const refused = fresh
        .verifyAlbRequest(albEvent({ 'x-amzn-oidc-data': albToken() }), lambdaContext('alb', 1_000))
        .then(
          () => 'allowed',
          (error: Error) => error.name,
        );
      expect(await refused).toBe('AlbKeysUnavailableError');
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      await hung.stop();
    }
  });

  it('verifyAlbRequest(event) reads the ALB_* settings once', async () => {
    Object.assign(process.env, {
      ALB_ARN: ALB,
      ALB_CLIENT_ID: CLIENT,
      ALB_ISSUER: iss,
      ALB_PUBLIC_KEYS_URL: keys.url,
    });
    await expect(verifyAlbRequest(albEvent({ 'x-amzn-oidc-data': albToken() }))).resolves.toMatchObject({
      sub: SUB,
    });
    await expect(verifyAlbRequest(albEvent({}))).rejects.toMatchObject({ reason: 'MISSING' });
  });
});

describe('settings, at cold start', () => {
  it.each([
    [{ ALB_ARN: '' }, 'ALB_ARN'],
    [{ ALB_CLIENT_ID: '' }, 'ALB_CLIENT_ID'],
    [{ ALB_ISSUER: '' }, 'ALB_ISSUER'],
    [{ ALB_ARN: 'arn:aws:s3:::bucket' }, 'ALB_ARN'],
    [{ ALB_ARN: `${ALB},${OTHER_REGION_ALB}`, ALB_PUBLIC_KEYS_URL: '' }, 'ALB_ARN'],
  ])('refuses %o, naming %s', (env, name) => {
    const build = () => new AlbRequestVerifier(settings(env as Record<string, string>));
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(name);
  });
});

/** A key endpoint that accepts connections and never answers (no error, no byte). */
async function startHungServer() {
  const { createServer } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  let requests = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => requests++);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
