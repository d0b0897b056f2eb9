import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authorizer } from '../../shared/authorizer/authorize.js';
import { createAuthorizer } from '../../shared/authorizer/handler.js';
import { ConfigError } from '../../shared/errors/index.js';
import { arnOf, evaluatePolicy, eventFor, type Fixture, invoke, startFixture, verdict } from './fixture.js';

/**
 * The authorizer attacks of the sign-in security review (issue 11, point 10), each played
 * through the whole Lambda chain: before the fix each of them was answered Allow, or loaded.
 */
let fx: Fixture;
let authorizer: Authorizer;
beforeAll(async () => {
  fx = await startFixture();
  authorizer = await fx.authorizer();
});
afterAll(async () => fx?.stop());

const now = () => Math.floor(Date.now() / 1000);
/** Holds `gatehouse/items.read` (GET /items/{id}) but is no auditor and no admin. */
const reader = () => `Bearer ${fx.access({ 'cognito:groups': ['readers'] })}`;

describe('attack: a cached simple response served for every route', () => {
  const cachedSimple = { AUTHORIZER_SIMPLE_RESPONSES: 'true', AUTHORIZER_CACHE_TTL: '300' };

  it('simple responses with a result cache keyed by the token alone refuse to start, naming both settings', async () => {
    const start = createAuthorizer(fx.settings(cachedSimple));
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    const message = await start.catch((error: Error) => error.message);
    expect(message).toContain('AUTHORIZER_SIMPLE_RESPONSES');
    expect(message).toContain('AUTHORIZER_CACHE_TTL');
    expect(message).not.toContain('\n');
  });

  it('an identity source without the route (another header) does not help', async () => {
    const settings = fx.settings({
      ...cachedSimple,
      AUTHORIZER_IDENTITY_SOURCE: '$request.header.Authorization,$request.header.X-Tenant',
    });
    await expect(createAuthorizer(settings)).rejects.toBeInstanceOf(ConfigError);
  });

  it.each([
    ['$request.header.Authorization,$context.routeKey'],
    ['$request.header.Authorization, $context.httpMethod, $context.path'],
  ])('starts when the identity source holds the route: %s', async (sources) => {
    const settings = fx.settings({ ...cachedSimple, AUTHORIZER_IDENTITY_SOURCE: sources });
    await expect(createAuthorizer(settings)).resolves.toBeDefined();
  });

  it('starts with simple responses and no cache, or with a cache and IAM policies', async () => {
    await expect(
      createAuthorizer(fx.settings({ AUTHORIZER_SIMPLE_RESPONSES: 'true' })),
    ).resolves.toBeDefined();
    await expect(createAuthorizer(fx.settings({ AUTHORIZER_CACHE_TTL: '300' }))).resolves.toBeDefined();
  });
});

describe('attack: token lifetimes aws-jwt-verify leaves optional', () => {
  async function expectInvalid(authorization: string, detail: string) {
    const event = eventFor('http-2.0', authorization);
    const outcome = await invoke(authorizer, event);
    expect(verdict(outcome, arnOf(event))).toBe('Unauthorized');
    expect(outcome.logs).toContainEqual(expect.objectContaining({ reason: 'INVALID_TOKEN', detail }));
  }

  it('a token without exp (valid forever) is refused', async () => {
    await expectInvalid(`Bearer ${fx.access({ exp: undefined })}`, 'no-exp');
  });

  it('a token without iat (which sign-out revocation compares) is refused', async () => {
    await expectInvalid(`Bearer ${fx.access({ iat: undefined })}`, 'no-iat');
  });

  it('a token issued in the future beyond the grace (it would outlive a sign-out) is refused', async () => {
    await expectInvalid(`Bearer ${fx.access({ iat: now() + 600, exp: now() + 4200 })}`, 'iat-in-future');
  });

  it('a future iat within the grace (clock skew) is accepted', async () => {
    const event = eventFor('http-2.0', `Bearer ${fx.access({ iat: now() + 3 })}`);
    expect(verdict(await invoke(authorizer, event), arnOf(event))).toBe('Allow');
  });

  it('the grace follows AUTHORIZER_GRACE_SECONDS', async () => {
    const strict = await fx.authorizer({ AUTHORIZER_GRACE_SECONDS: '0' });
    const event = eventFor('http-2.0', `Bearer ${fx.access({ iat: now() + 3 })}`);
    expect(verdict(await invoke(strict, event), arnOf(event))).toBe('Unauthorized');
  });
});

describe('attack: dot segments and encoded slashes matched without normalising', () => {
  /** Each would match a rule the reader passes (or none) while the backend may serve another route. */
  const ambiguous: Array<[string, string]> = [
    ['/items/42%2Faudit', 'escape-2f'],
    ['/items/42%2faudit', 'escape-2f'],
    ['/items/..%2Fadmin%2Fusers', 'escape-2f'],
    ['/items/42/../../admin/users', 'dot-segment'],
    ['/files/../admin', 'dot-segment'],
    ['/items/./42', 'dot-segment'],
    ['/items/42/audit/..', 'dot-segment'],
    ['/items/%2e%2e', 'escape-2e'],
    ['/items/%2E%2E/admin/users', 'escape-2e'],
    ['/items/%252e%252e', 'escape-25'],
    ['/items/42%252Faudit', 'escape-25'],
    ['/items/42%5Caudit', 'escape-5c'],
    ['/items/42\\audit', 'backslash'],
  ];

  it.each(ambiguous)('%s is refused before route matching (%s)', async (path, detail) => {
    for (const format of ['http-2.0', 'request', 'token'] as const) {
      const event = eventFor(format, reader(), { method: 'GET', path });
      const outcome = await invoke(authorizer, event);
      expect(verdict(outcome, arnOf(event))).toBe('Unauthorized');
      expect(outcome.logs).toContainEqual(expect.objectContaining({ reason: 'AMBIGUOUS_PATH', detail }));
    }
  });

  it.each(['/items/42', '/items/a.b', '/items/..42', '/items/.well-known', '/items/a%20b'])(
    'the control: a plain path (%s) is matched as before',
    async (path) => {
      const event = eventFor('http-2.0', reader(), { method: 'GET', path });
      expect(verdict(await invoke(authorizer, event), arnOf(event))).toBe('Allow');
    },
  );

  it.each(ambiguous)(
    'a cached (wide) policy denies %s too, though a wildcard it allows would reach it',
    async (path) => {
      const cached = await fx.authorizer({ AUTHORIZER_CACHE_TTL: '300' });
      const first = eventFor('http-2.0', reader(), { method: 'GET', path: '/items/42' });
      const outcome = await invoke(cached, first);
      expect(verdict(outcome, arnOf(first))).toBe('Allow');
      const policy = (outcome.result as { policyDocument: Parameters<typeof evaluatePolicy>[0] })
        .policyDocument;
      const later = arnOf(eventFor('http-2.0', reader(), { method: 'GET', path }));
      expect(evaluatePolicy(policy, later)).toBe('Deny');
    },
  );
});
