import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accessClaims, createTestKey, signToken } from '../../scripts/local/test-issuer.js';
import { UserFacingError } from '../../shared/errors/index.js';
import {
  admitted,
  arnOf,
  CLIENT,
  eventFor,
  type Fixture,
  type Format,
  invoke,
  startFixture,
  verdict,
} from './fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => fx?.stop());

const FORMATS: Format[] = ['token', 'request', 'http-1.0', 'http-2.0'];

describe('every event format, with tokens signed by a test key served as a JWKS', () => {
  it.each(FORMATS)(
    '%s: a valid access token on a route it may call is allowed, for exactly that ARN',
    async (format) => {
      const authorizer = await fx.authorizer();
      const event = eventFor(format, `Bearer ${fx.access()}`, { method: 'GET', path: '/items' });
      const outcome = await invoke(authorizer, event);
      expect(verdict(outcome, arnOf(event))).toBe('Allow');
      expect(outcome.result).toMatchObject({
        principalId: 'b1f3c2a4-0000-4000-8000-000000000001',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [arnOf(event)] }],
        },
      });
    },
  );

  it.each(FORMATS)('%s: the sample event as AWS sends it (placeholder token) is a 401', async (format) => {
    const authorizer = await fx.authorizer();
    const outcome = await invoke(authorizer, eventFor(format, 'Bearer eyJ...placeholder'));
    expect(verdict(outcome)).toBe('Unauthorized');
  });

  it('reads the REST REQUEST route from its method ARN (path parameters matched)', async () => {
    const authorizer = await fx.authorizer();
    const event = eventFor('request', `Bearer ${fx.access()}`); // GET /items/42
    expect(verdict(await invoke(authorizer, event), arnOf(event))).toBe('Allow');
  });

  it('reads a lower-case, upper-case or mixed-case Authorization header', async () => {
    const authorizer = await fx.authorizer();
    for (const name of ['authorization', 'Authorization', 'AUTHORIZATION']) {
      const event = eventFor('http-2.0', 'x');
      delete event.headers.authorization;
      event.headers[name] = `Bearer ${fx.access()}`;
      expect(verdict(await invoke(authorizer, event), arnOf(event))).toBe('Allow');
    }
  });

  it('answers HTTP API 2.0 with a simple response when configured', async () => {
    const authorizer = await fx.authorizer({ AUTHORIZER_SIMPLE_RESPONSES: 'true' });
    const allowed = await invoke(authorizer, eventFor('http-2.0', `Bearer ${fx.access()}`));
    expect(allowed.result).toMatchObject({ isAuthorized: true, context: { sub: expect.any(String) } });
    const denied = await invoke(
      authorizer,
      eventFor('http-2.0', `Bearer ${fx.access({ 'cognito:groups': [] })}`),
    );
    expect(denied.result).toMatchObject({ isAuthorized: false });
  });

  it('refuses an event of another format when the format is fixed', async () => {
    const authorizer = await fx.authorizer({ AUTHORIZER_EVENT_FORMAT: 'http-2.0' });
    const outcome = await invoke(authorizer, eventFor('token', `Bearer ${fx.access()}`));
    expect(verdict(outcome)).toBe('Unauthorized');
    expect(outcome.logs).toContainEqual(expect.objectContaining({ reason: 'UNSUPPORTED_EVENT' }));
  });
});

describe('context for the backend', () => {
  it('gives sub, username, groups, scopes, client, tenant and risk level as flat values', async () => {
    const authorizer = await fx.authorizer();
    const token = fx.access({ 'cognito:groups': ['readers', 'beta'], tenant_id: 'acme', risk_level: 'LOW' });
    const outcome = await invoke(authorizer, eventFor('http-2.0', `Bearer ${token}`));
    const context = (outcome.result as { context: Record<string, unknown> }).context;
    expect(context).toEqual({
      sub: 'b1f3c2a4-0000-4000-8000-000000000001',
      username: 'ann',
      groups: 'readers,beta',
      scopes: 'aws.cognito.signin.user.admin gatehouse/items.read',
      clientId: CLIENT,
      tokenUse: 'access',
      tenant: 'acme',
      riskLevel: 'LOW',
    });
    for (const value of Object.values(context))
      expect(['string', 'number', 'boolean']).toContain(typeof value);
  });

  it('reads an ID token: cognito:username, the client from aud, a configured tenant claim', async () => {
    const authorizer = await fx.authorizer({ AUTHORIZER_TENANT_CLAIM: 'custom:tenant' });
    const token = fx.id({ 'custom:tenant': 'globex', risk_level: 2 });
    const outcome = await invoke(authorizer, eventFor('token', `Bearer ${token}`));
    expect((outcome.result as { context: unknown }).context).toMatchObject({
      username: 'ann',
      clientId: CLIENT,
      tokenUse: 'id',
      tenant: 'globex',
      riskLevel: 2,
      scopes: '',
    });
  });

  it('flattens a non-scalar tenant claim to a string', async () => {
    const authorizer = await fx.authorizer();
    const token = fx.access({ tenant_id: { id: 'acme', plan: 'pro' } });
    const outcome = await invoke(authorizer, eventFor('http-2.0', `Bearer ${token}`));
    expect((outcome.result as { context: Record<string, unknown> }).context.tenant).toBe(
      '{"id":"acme","plan":"pro"}',
    );
  });
});

describe('401 versus 403', () => {
  it('throws exactly "Unauthorized" for a missing token, and logs the reason without the token', async () => {
    const authorizer = await fx.authorizer();
    const event = eventFor('http-2.0', 'x');
    delete event.headers.authorization;
    const outcome = await invoke(authorizer, event);
    expect(outcome.error).toBeInstanceOf(UserFacingError);
    expect((outcome.error as Error).message).toBe('Unauthorized');
    expect(outcome.logs).toContainEqual(
      expect.objectContaining({ message: 'unauthorized', reason: 'NO_TOKEN' }),
    );
    expect(outcome.logs.at(-1)).toMatchObject({
      message: 'completed',
      function: 'authorizer',
      outcome: 'rejected',
    });
  });

  it('returns Deny (403) for a valid token without the group, naming the rule in the log only', async () => {
    const authorizer = await fx.authorizer();
    const token = fx.access({ 'cognito:groups': ['guests'] });
    const event = eventFor('http-2.0', `Bearer ${token}`);
    const outcome = await invoke(authorizer, event);
    expect(verdict(outcome, arnOf(event))).toBe('Deny');
    expect(outcome.result).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Deny' }] } });
    expect(JSON.stringify(outcome.result)).not.toContain('MISSING_RIGHTS');
    expect(outcome.logs).toContainEqual(
      expect.objectContaining({ message: 'denied', reason: 'MISSING_RIGHTS', rule: 0 }),
    );
    expect(outcome.output).not.toContain(token);
  });

  it('denies a route no rule names (default deny)', async () => {
    const authorizer = await fx.authorizer();
    const event = eventFor('http-2.0', `Bearer ${fx.access()}`, { method: 'POST', path: '/items' });
    const outcome = await invoke(authorizer, event);
    expect(verdict(outcome, arnOf(event))).toBe('Deny');
    expect(outcome.logs).toContainEqual(expect.objectContaining({ reason: 'NO_RULE' }));
  });

  it('denies everything when no rule is configured', async () => {
    const authorizer = await fx.authorizer({}, { routes: [] });
    const event = eventFor('http-2.0', `Bearer ${fx.access()}`);
    expect(verdict(await invoke(authorizer, event), arnOf(event))).toBe('Deny');
  });

  it.each([
    ['null', null],
    ['a string', 'Bearer x'],
    ['an empty object', {}],
    [
      'a TOKEN event without token',
      { type: 'TOKEN', methodArn: 'arn:aws:execute-api:us-east-1:123456789012:a/b/GET/x' },
    ],
    ['a TOKEN event with a numeric token', { type: 'TOKEN', authorizationToken: 7, methodArn: 'x' }],
    ['a malformed ARN', { type: 'TOKEN', authorizationToken: 'Bearer a.b.c', methodArn: 'arn:nope' }],
    [
      'a 2.0 event with headers as a string',
      { version: '2.0', type: 'REQUEST', routeArn: 'x', headers: 'h' },
    ],
    ['an unknown version', { version: '3.0', type: 'REQUEST' }],
    [
      'headers with an array value',
      {
        type: 'REQUEST',
        methodArn: 'arn:aws:execute-api:us-east-1:123456789012:a/b/GET/x',
        headers: { Authorization: 5 },
      },
    ],
  ])('bad input (%s) is a 401, never a 500', async (_, event) => {
    const authorizer = await fx.authorizer();
    expect(verdict(await invoke(authorizer, event))).toBe('Unauthorized');
  });
});

describe('verified-token cache', () => {
  it('keeps a token from its second verification on, then skips the signature check and says so', async () => {
    const authorizer = await fx.authorizer();
    const event = eventFor('http-2.0', `Bearer ${fx.access()}`);
    const first = await authorizer.authorize(event);
    const second = await authorizer.authorize(event);
    const third = await authorizer.authorize(event);
    // Admission: a token used once is never kept; the second verification stores it.
    expect([first.cached, second.cached, third.cached]).toEqual([false, false, true]);
    expect(third.result).toEqual(first.result);
  });

  it('forgets a token at its exp: past it, the token is verified again and refused', async () => {
    // An injected clock (the faked Date, which aws-jwt-verify reads too): no real sleep, and no
    // margin that a slow machine could eat before the first verification.
    const start = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now: start });
    try {
      const authorizer = await fx.authorizer(
        { AUTHORIZER_GRACE_SECONDS: '0' },
        {},
        { now: () => Date.now() },
      );
      const exp = Math.floor(start / 1000) + 60;
      const event = eventFor('http-2.0', `Bearer ${fx.access({ exp })}`);
      await admitted(authorizer, event);
      vi.setSystemTime(exp * 1000 - 1);
      expect(await authorizer.authorize(event)).toMatchObject({ effect: 'Allow', cached: true });
      vi.setSystemTime(exp * 1000 + 1);
      await expect(authorizer.authorize(event)).rejects.toMatchObject({
        reason: 'INVALID_TOKEN',
        detail: 'expired',
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('is off with AUTHORIZER_TOKEN_CACHE_SIZE=0', async () => {
    const authorizer = await fx.authorizer({ AUTHORIZER_TOKEN_CACHE_SIZE: '0' });
    const event = eventFor('http-2.0', `Bearer ${fx.access()}`);
    for (let i = 0; i < 2; i++) await authorizer.authorize(event);
    expect((await authorizer.authorize(event)).cached).toBe(false);
  });

  it('is bounded: the least recently used token is verified again', async () => {
    const authorizer = await fx.authorizer({ AUTHORIZER_TOKEN_CACHE_SIZE: '2' });
    const events = [fx.access(), fx.access(), fx.access()].map((t) => eventFor('http-2.0', `Bearer ${t}`));
    for (const event of events) await admitted(authorizer, event);
    expect((await authorizer.authorize(events[0])).cached).toBe(false);
    expect((await authorizer.authorize(events[2])).cached).toBe(true);
  });
});

describe('keys and pools', () => {
  it('loads the JWKS at hydrate, then verifies without fetching', async () => {
    const before = fx.issuer.requests.length;
    const authorizer = await fx.authorizer();
    expect(fx.issuer.requests.length).toBe(before + 1);
    await authorizer.authorize(eventFor('http-2.0', `Bearer ${fx.access()}`));
    await authorizer.authorize(eventFor('http-2.0', `Bearer ${fx.access()}`));
    expect(fx.issuer.requests.length).toBe(before + 1);
  });

  it('follows a key rotation: an unknown kid refetches the JWKS once, then the new key verifies', async () => {
    const authorizer = await fx.authorizer();
    const rotated = createTestKey('test-key-2');
    const original = fx.issuer.keys;
    fx.issuer.keys = [...original, rotated];
    try {
      const before = fx.issuer.requests.length;
      const token = signToken(rotated, accessClaims(fx.iss, CLIENT));
      expect((await authorizer.authorize(eventFor('http-2.0', `Bearer ${token}`))).effect).toBe('Allow');
      const again = signToken(rotated, accessClaims(fx.iss, CLIENT));
      expect((await authorizer.authorize(eventFor('http-2.0', `Bearer ${again}`))).effect).toBe('Allow');
      expect(fx.issuer.requests.length).toBe(before + 1);
    } finally {
      fx.issuer.keys = original;
    }
  });

  it('rate-limits refetches for unknown kids (penalty box): many unknown kids, one fetch', async () => {
    const authorizer = await fx.authorizer();
    const before = fx.issuer.requests.length;
    const stranger = createTestKey('never-published');
    for (let i = 0; i < 5; i++) {
      const token = signToken(stranger, accessClaims(fx.iss, CLIENT), { kid: `unknown-${i}` });
      await expect(authorizer.authorize(eventFor('http-2.0', `Bearer ${token}`))).rejects.toMatchObject({
        reason: 'INVALID_TOKEN',
      });
    }
    expect(fx.issuer.requests.length).toBe(before + 1);
  });

  it('trusts several pools, each with its own clients and token use', async () => {
    const second = 'local_Second2';
    const authorizer = await fx.authorizer(
      {},
      {
        pools: [
          { userPoolId: 'local_Gatehouse1', clientIds: [CLIENT], tokenUse: 'access', issuer: fx.iss },
          { userPoolId: second, clientIds: ['partner'], tokenUse: 'id', issuer: fx.issuer.issuer(second) },
        ],
      },
    );
    const iss2 = fx.issuer.issuer(second);
    const { idClaims } = await import('../../scripts/local/test-issuer.js');
    const cases: Array<[string, 'Allow' | 'refused']> = [
      [fx.access(), 'Allow'],
      [fx.id(), 'refused'], // pool 1 takes access tokens only
      [signToken(fx.key, idClaims(iss2, 'partner')), 'Allow'],
      [signToken(fx.key, accessClaims(iss2, 'partner')), 'refused'],
      [signToken(fx.key, idClaims(iss2, CLIENT)), 'refused'],
    ];
    for (const [token, expected] of cases) {
      const outcome = authorizer.authorize(
        eventFor('http-2.0', `Bearer ${token}`, { method: 'GET', path: '/items' }),
      );
      if (expected === 'Allow') expect((await outcome).effect).toBe('Allow');
      else await expect(outcome).rejects.toMatchObject({ reason: 'INVALID_TOKEN' });
    }
  });

  it('verifies real Cognito pools with CognitoJwtVerifier (JWKS fetcher pointed at the test server)', async () => {
    const poolId = 'eu-west-1_AbCdEf123';
    const cognitoIss = `https://cognito-idp.eu-west-1.amazonaws.com/${poolId}`;
    const fetched: string[] = [];
    const fetcher = {
      fetch: async (uri: string) => {
        fetched.push(uri);
        const body = Buffer.from(JSON.stringify({ keys: [fx.key.jwk] }));
        return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
      },
    };
    const authorizer = await fx.authorizer(
      { USER_POOL_ID: poolId, USER_POOL_CLIENT_ID: 'real-client, other-client' },
      { pools: [] },
      { fetcher },
    );
    // aws-jwt-verify 5 also trusts Cognito's newer issuer domain, `issuer-cognito-idp.<region>`.
    expect(fetched).toContain(`${cognitoIss}/.well-known/jwks.json`);
    const ok = signToken(fx.key, accessClaims(cognitoIss, 'other-client'));
    expect((await authorizer.authorize(eventFor('http-2.0', `Bearer ${ok}`))).effect).toBe('Allow');
    for (const bad of [
      accessClaims(cognitoIss, 'unknown-client'),
      { ...accessClaims(cognitoIss, 'real-client'), token_use: 'id', aud: 'real-client' }, // access only by default
      accessClaims(fx.iss, 'real-client'),
    ]) {
      await expect(
        authorizer.authorize(eventFor('http-2.0', `Bearer ${signToken(fx.key, bad)}`)),
      ).rejects.toMatchObject({ reason: 'INVALID_TOKEN' });
    }
  });

  it('is a 401 for every token when no pool is configured', async () => {
    const authorizer = await fx.authorizer({}, { pools: [] });
    await expect(authorizer.authorize(eventFor('http-2.0', `Bearer ${fx.access()}`))).rejects.toMatchObject({
      reason: 'INVALID_TOKEN',
    });
  });
});

describe('an unreachable JWKS', () => {
  it('is a 500 (fail closed, retryable), not a 401 blaming the caller', async () => {
    const { startTestIssuer } = await import('../../scripts/local/test-issuer.js');
    const gone = await startTestIssuer([fx.key]);
    const iss = gone.issuer('local_Gone1');
    await gone.stop();
    const { createAuthorizer } = await import('../../shared/authorizer/handler.js');
    const cold = await createAuthorizer(
      fx.settings({}, { pools: [{ userPoolId: 'local_Gone1', clientIds: [CLIENT], issuer: iss }] }),
    );
    await expect(cold.hydrate()).rejects.toThrow(); // the cold start logs it and goes on
    const event = eventFor('http-2.0', `Bearer ${signToken(fx.key, accessClaims(iss, CLIENT))}`);
    const outcome = await invoke(cold, event);
    expect(verdict(outcome, arnOf(event))).toBe('Error');
    expect(outcome.logs).toContainEqual(
      expect.objectContaining({
        message: 'authorizer failure',
        error: expect.objectContaining({ name: 'JwksUnavailableError' }),
      }),
    );
  });
});

describe('with API Gateway caching the answers (AUTHORIZER_CACHE_TTL > 0)', () => {
  it('answers with the same wide policy whichever route asks first, computed once per kind of caller', async () => {
    const authorizer = await fx.authorizer({ AUTHORIZER_CACHE_TTL: '300' });
    const reader = () => `Bearer ${fx.access({ 'cognito:groups': ['readers'], sub: crypto.randomUUID() })}`;
    const first = await authorizer.authorize(
      eventFor('http-2.0', reader(), { method: 'GET', path: '/items' }),
    );
    const second = await authorizer.authorize(
      eventFor('http-2.0', reader(), { method: 'GET', path: '/items/7' }),
    );
    const policy = (first.result as { policyDocument: unknown }).policyDocument;
    expect((second.result as { policyDocument: unknown }).policyDocument).toBe(policy);
    const resources = (policy as { Statement: Array<{ Effect: string; Resource: string[] }> }).Statement;
    expect(resources[0]?.Resource.map((r) => r.split('/').slice(2).join('/'))).toEqual([
      'GET/items',
      'GET/items/*',
    ]);
    const admin = await authorizer.authorize(
      eventFor('http-2.0', `Bearer ${fx.access({ 'cognito:groups': ['admins'] })}`, {
        method: 'GET',
        path: '/items',
      }),
    );
    expect((admin.result as { policyDocument: unknown }).policyDocument).not.toEqual(policy);
  });
});
