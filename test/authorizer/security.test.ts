import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessClaims,
  createTestKey,
  signHs256,
  signToken,
  type TestKey,
  unsignedToken,
} from '../../scripts/local/test-issuer.js';
import type { Authorizer } from '../../shared/authorizer/authorize.js';
import { authorizerHandler } from '../../shared/authorizer/handler.js';
import { lambdaContext } from '../support/events.js';
import { captureOutput } from '../support/logs.js';
import { arnOf, CLIENT, eventFor, type Fixture, invoke, startFixture, verdict } from './fixture.js';

/**
 * The attacks an authorizer must refuse. Each runs through the whole Lambda chain and must end
 * in a 401 (or a 403 where the token is valid but the route is not its own): never an Allow.
 */
let fx: Fixture;
let authorizer: Authorizer;
beforeAll(async () => {
  fx = await startFixture();
  authorizer = await fx.authorizer({}, {}, {});
});
afterAll(async () => fx?.stop());

const now = () => Math.floor(Date.now() / 1000);
const segments = (token: string) => token.split('.') as [string, string, string];
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function expectRefused(authorization: string | ((event: any) => void), expected = 'Unauthorized') {
  const event = eventFor('http-2.0', typeof authorization === 'string' ? authorization : 'x');
  if (typeof authorization === 'function') authorization(event);
  const outcome = await invoke(authorizer, event);
  expect(verdict(outcome, arnOf(event))).toBe(expected);
  return outcome;
}

describe('attacks: none of them is ever allowed', () => {
  it('the control: the untouched token is allowed', async () => {
    await expectRefused(`Bearer ${fx.access()}`, 'Allow');
  });

  it('alg none', async () => {
    const claims = accessClaims(fx.iss, CLIENT);
    await expectRefused(`Bearer ${unsignedToken(claims, { kid: fx.key.kid })}a`);
    await expectRefused(`Bearer ${unsignedToken(claims, { kid: fx.key.kid })}`);
  });

  it('HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const pem = fx.key.publicKey.export({ format: 'pem', type: 'spki' });
    const token = signHs256(pem, accessClaims(fx.iss, CLIENT), { kid: fx.key.kid });
    const outcome = await expectRefused(`Bearer ${token}`);
    expect(outcome.logs).toContainEqual(
      expect.objectContaining({ reason: 'INVALID_TOKEN', detail: 'algorithm' }),
    );
  });

  it('unknown kid', async () => {
    const token = signToken(createTestKey('intruder'), accessClaims(fx.iss, CLIENT));
    await expectRefused(`Bearer ${token}`);
  });

  it('a key the JWKS holds under another kid (signed by an intruder key with a known kid)', async () => {
    const token = signToken(createTestKey(fx.key.kid), accessClaims(fx.iss, CLIENT));
    await expectRefused(`Bearer ${token}`);
  });

  it('wrong issuer', async () => {
    await expectRefused(`Bearer ${fx.access({ iss: `${fx.issuer.base}/local_Other9` })}`);
  });

  it('expired (beyond the grace)', async () => {
    const outcome = await expectRefused(`Bearer ${fx.access({ exp: now() - 60, iat: now() - 3660 })}`);
    expect(outcome.logs).toContainEqual(expect.objectContaining({ detail: 'expired' }));
  });

  it('nbf in the future', async () => {
    await expectRefused(`Bearer ${fx.access({ nbf: now() + 600 })}`);
  });

  it('wrong token_use', async () => {
    await expectRefused(`Bearer ${fx.access({ token_use: 'refresh' })}`);
    const idOnly = await fx.authorizer(
      {},
      { pools: [{ userPoolId: 'local_Gatehouse1', clientIds: [CLIENT], tokenUse: 'id', issuer: fx.iss }] },
    );
    const event = eventFor('http-2.0', `Bearer ${fx.access()}`);
    expect(verdict(await invoke(idOnly, event), arnOf(event))).toBe('Unauthorized');
  });

  it('wrong client', async () => {
    await expectRefused(`Bearer ${fx.access({ client_id: 'someone-else' })}`);
    await expectRefused(`Bearer ${fx.id({ aud: 'someone-else' })}`);
  });

  it('tampered payload (groups raised, signature kept)', async () => {
    const [header, payload, signature] = segments(fx.access({ 'cognito:groups': ['guests'] }));
    const raised = encode({ ...decode(payload), 'cognito:groups': ['admins'] });
    await expectRefused(`Bearer ${header}.${raised}.${signature}`);
  });

  it('tampered signature (one byte flipped; and a non-canonical spelling of the same signature)', async () => {
    const [header, payload, signature] = segments(fx.access());
    const bytes = Buffer.from(signature, 'base64url');
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    await expectRefused(`Bearer ${header}.${payload}.${bytes.toString('base64url')}`);
    // 256 bytes -> 342 characters: the last one carries 4 unused bits that decoders ignore.
    const last = signature.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) | 1] as string;
    await expectRefused(`Bearer ${header}.${payload}.${signature.slice(0, -1)}${sibling}`);
  });

  it('an oversized token', async () => {
    const token = fx.access({ padding: 'x'.repeat(9000) });
    const outcome = await expectRefused(`Bearer ${token}`);
    expect(outcome.logs).toContainEqual(expect.objectContaining({ reason: 'TOKEN_TOO_LARGE' }));
  });

  it('a header without Bearer', async () => {
    await expectRefused(fx.access());
    await expectRefused(`Basic ${fx.access()}`);
    await expectRefused(`Bearer${fx.access()}`);
  });

  it('a header with two tokens', async () => {
    const outcome = await expectRefused(`Bearer ${fx.access()} ${fx.access()}`);
    expect(outcome.logs).toContainEqual(expect.objectContaining({ reason: 'SEVERAL_TOKENS' }));
    await expectRefused(`Bearer ${fx.access()},Bearer ${fx.access()}`);
    await expectRefused(`Bearer ${fx.access()}, ${fx.access()}`);
  });

  it('several Authorization headers (multiValueHeaders, or the same name in two cases)', async () => {
    const good = `Bearer ${fx.access()}`;
    for (const mutate of [
      (event: any) => {
        event.headers.Authorization = good;
        event.multiValueHeaders.Authorization = [good, `Bearer ${fx.access({ sub: 'other' })}`];
      },
      (event: any) => {
        event.headers.Authorization = good;
        event.multiValueHeaders.Authorization = [`Bearer ${fx.access({ sub: 'other' })}`];
      },
      (event: any) => {
        event.headers.Authorization = good;
        event.headers.authorization = good;
      },
    ]) {
      const event = eventFor('request', good);
      mutate(event);
      const outcome = await invoke(authorizer, event);
      expect(verdict(outcome, arnOf(event))).toBe('Unauthorized');
      expect(outcome.logs).toContainEqual(expect.objectContaining({ reason: 'SEVERAL_TOKENS' }));
    }
  });

  it('a valid token for another route (403, with an exact-ARN Deny)', async () => {
    const token = fx.access({ 'cognito:groups': ['readers'] });
    const event = eventFor('http-2.0', `Bearer ${token}`, { method: 'DELETE', path: '/items/42' });
    const outcome = await invoke(authorizer, event);
    expect(verdict(outcome, arnOf(event))).toBe('Deny');
    expect(outcome.result).toMatchObject({
      policyDocument: { Statement: [{ Effect: 'Deny', Resource: [arnOf(event)] }] },
    });
  });

  it('a valid token for another route, under a cached (wide) policy: the route stays denied', async () => {
    const cached = await fx.authorizer({ AUTHORIZER_CACHE_TTL: '300' });
    const token = fx.access({ 'cognito:groups': ['readers'] });
    const event = eventFor('http-2.0', `Bearer ${token}`, { method: 'GET', path: '/items/42/audit' });
    const outcome = await invoke(cached, event);
    expect(verdict(outcome, arnOf(event))).toBe('Deny');
  });

  it('no token is ever logged', async () => {
    const token = fx.access({ exp: now() - 600 });
    const outcome = await expectRefused(`Bearer ${token}`);
    expect(outcome.output).not.toContain(token);
    expect(outcome.output).not.toContain(segments(token)[1]);
    expect(outcome.output).not.toContain(segments(token)[2]);
  });
});

describe('property: forged and mutated tokens are never allowed', () => {
  const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  /** One edit of a token string: replace, insert or delete a character, or cut it. */
  const edit = fc.oneof(
    fc.record({
      kind: fc.constant('replace' as const),
      at: fc.nat(),
      char: fc.constantFrom(...`${BASE64URL}.= +/`),
    }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      char: fc.constantFrom(...`${BASE64URL}.= `),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), to: fc.nat() }),
  );
  type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

  function apply(token: string, change: Edit): string {
    const at = token.length === 0 ? 0 : change.at % token.length;
    switch (change.kind) {
      case 'replace':
        return token.slice(0, at) + change.char + token.slice(at + 1);
      case 'insert':
        return token.slice(0, at) + change.char + token.slice(at);
      case 'delete':
        return token.slice(0, at) + token.slice(at + 1);
      case 'cut':
        return token.slice(0, at);
      case 'swap': {
        const to = change.to % token.length;
        const chars = [...token];
        [chars[at], chars[to]] = [chars[to] as string, chars[at] as string];
        return chars.join('');
      }
    }
  }

  /** A claim edit: the payload re-encoded with one claim changed, the signature kept. */
  const claimEdit = fc.record({
    claim: fc.constantFrom(
      'sub',
      'iss',
      'exp',
      'client_id',
      'token_use',
      'cognito:groups',
      'scope',
      'jti',
      'alg',
      'kid',
    ),
    value: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 })),
  });

  function applyClaimEdit(token: string, change: { claim: string; value: unknown }): string {
    const [header, payload, signature] = segments(token);
    if (change.claim === 'alg' || change.claim === 'kid') {
      return `${encode({ ...decode(header), [change.claim]: change.value })}.${payload}.${signature}`;
    }
    return `${header}.${encode({ ...decode(payload), [change.claim]: change.value })}.${signature}`;
  }

  /** A token that was never issued by the pool's key, built the ways attackers build them. */
  const forgery = fc.record({
    kind: fc.constantFrom(
      'other-key',
      'other-key-known-kid',
      'alg-none',
      'alg-none-signed',
      'hs256-public-pem',
      'hs256-public-jwk',
      'kid-swap',
    ),
    groups: fc.constantFrom(['readers'], ['admins'], ['readers', 'admins']),
    algCase: fc.constantFrom('none', 'None', 'NONE'),
  });
  type Forgery = typeof forgery extends fc.Arbitrary<infer T> ? T : never;

  function forge(change: Forgery): string {
    const claims = accessClaims(fx.iss, CLIENT, { 'cognito:groups': change.groups });
    switch (change.kind) {
      case 'other-key':
        return signToken(intruder, claims);
      case 'other-key-known-kid':
        return signToken(intruder, claims, { kid: fx.key.kid });
      case 'alg-none':
        return unsignedToken(claims, { kid: fx.key.kid, alg: change.algCase });
      case 'alg-none-signed': {
        // alg none in the header, a real RS256 signature of the same input kept after it.
        const genuine = segments(signToken(fx.key, claims));
        const header = encode({ alg: change.algCase, typ: 'JWT', kid: fx.key.kid });
        return `${header}.${genuine[1]}.${genuine[2]}`;
      }
      case 'hs256-public-pem':
        return signHs256(fx.key.publicKey.export({ format: 'pem', type: 'spki' }), claims, {
          kid: fx.key.kid,
        });
      case 'hs256-public-jwk':
        return signHs256(JSON.stringify(fx.key.jwk), claims, { kid: fx.key.kid });
      case 'kid-swap':
        // Signed by the pool's second published key, presented under the first key's kid.
        return signToken(second, claims, { kid: fx.key.kid });
    }
  }

  /** Keys beside the pool's: an intruder's, and a second key the pool publishes (for kid swaps). */
  let intruder: TestKey;
  let second: TestKey;
  /** The same pool with API Gateway's result cache and the verified-token cache on, and both off. */
  const caching = {
    on: { AUTHORIZER_CACHE_TTL: '300', AUTHORIZER_TOKEN_CACHE_SIZE: '1000' },
    off: { AUTHORIZER_CACHE_TTL: '0', AUTHORIZER_TOKEN_CACHE_SIZE: '0' },
  };
  /** What the genuine tokens may call: each base token below is allowed there. */
  const routes = [
    { method: 'GET', path: '/items', claims: { 'cognito:groups': ['readers'] } },
    { method: 'GET', path: '/items/42', claims: { 'cognito:groups': ['guests'] } },
    { method: 'DELETE', path: '/items/7', claims: { 'cognito:groups': ['admins'] } },
  ];
  const formats = ['token', 'request', 'http-1.0', 'http-2.0'] as const;
  // Each mutant of a mutation run reruns this test: fewer cases there, the full count in `npm test`.
  const runs = process.env.GATEHOUSE_MUTATION ? 150 : 1500;

  const authorizers = {} as Record<keyof typeof caching, Authorizer>;
  beforeAll(async () => {
    intruder = createTestKey('intruder-key');
    second = createTestKey('test-key-2');
    fx.issuer.keys = [fx.key, second];
    // Both built (and their JWKS fetched) at once, before the JWKS server's idle sockets time out.
    authorizers.on = await fx.authorizer(caching.on);
    authorizers.off = await fx.authorizer(caching.off);
  });
  afterAll(() => {
    fx.issuer.keys = [fx.key];
  });

  it.each(Object.keys(caching) as (keyof typeof caching)[])(
    'with caching %s: forged and mutated tokens, through the handler, are never allowed',
    { timeout: 180_000 },
    async (mode) => {
      const handler = authorizerHandler(authorizers[mode]);
      const context = lambdaContext('authorizer');
      const ask = async (format: (typeof formats)[number], route: (typeof routes)[number], token: string) => {
        const event = eventFor(format, `Bearer ${token}`, route);
        const { result, error } = await captureOutput(() => handler(event, context));
        return verdict({ result, error, output: '', logs: [] } as never, arnOf(event));
      };
      // The base tokens: each one allowed on its route in every format (so a refusal below is the
      // token's doing, never the route rule's).
      const genuine = routes.map((route) => signToken(fx.key, accessClaims(fx.iss, CLIENT, route.claims)));
      for (const format of formats) {
        for (const [i, route] of routes.entries())
          expect(await ask(format, route, genuine[i]!)).toBe('Allow');
      }
      const attack = fc.record({
        which: fc.nat({ max: routes.length - 1 }),
        format: fc.constantFrom(...formats),
        how: fc.oneof(
          fc.record({
            kind: fc.constant('edits' as const),
            edits: fc.array(edit, { minLength: 1, maxLength: 3 }),
          }),
          fc.record({ kind: fc.constant('claim' as const), claim: claimEdit }),
          fc.record({ kind: fc.constant('forgery' as const), forgery }),
        ),
      });
      let forged = 0;
      let mutated = 0;
      await fc.assert(
        fc.asyncProperty(attack, async ({ which, format, how }) => {
          const original = genuine[which]!;
          let token = original;
          if (how.kind === 'edits') for (const change of how.edits) token = apply(token, change);
          else if (how.kind === 'claim') token = applyClaimEdit(original, how.claim);
          else token = forge(how.forgery);
          fc.pre(token !== original);
          if (how.kind === 'forgery') forged++;
          else mutated++;
          // The genuine token first (a warm cache holds it), then the attack on the same route.
          if (mode === 'on' && (await ask(format, routes[which]!, original)) !== 'Allow') return false;
          return (await ask(format, routes[which]!, token)) !== 'Allow';
        }),
        { numRuns: runs },
      );
      expect(forged).toBeGreaterThan(runs / 5);
      expect(mutated).toBeGreaterThan(runs / 3);
    },
  );
});
