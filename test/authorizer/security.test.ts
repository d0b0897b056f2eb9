import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessClaims,
  createTestKey,
  signHs256,
  signToken,
  unsignedToken,
} from '../../scripts/local/test-issuer.js';
import type { Authorizer } from '../../shared/authorizer/authorize.js';
import { AuthorizationFailure } from '../../shared/authorizer/request.js';
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

describe('property: random mutations of valid tokens are never allowed', () => {
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

  function setAuthorization(event: any, format: string, value: string) {
    if (format === 'token') event.authorizationToken = value;
    else if (format === 'request') {
      event.headers.Authorization = value;
      event.multiValueHeaders.Authorization = [value];
    } else event.headers.authorization = value;
  }

  it('holds for 10,000 mutated tokens (1 to 3 edits, or a claim changed under the old signature)', async () => {
    const valid = Array.from({ length: 8 }, (_, i) =>
      fx.access({ 'cognito:groups': i % 2 ? ['guests'] : ['readers'] }),
    );
    // One event per format, reused: the authorizer never changes the event it reads.
    const events = Object.fromEntries(
      (['token', 'request', 'http-1.0', 'http-2.0'] as const).map((f) => [
        f,
        eventFor(f, 'x', { method: 'GET', path: '/items' }),
      ]),
    );
    const mutation = fc.record({
      which: fc.nat({ max: valid.length - 1 }),
      edits: fc.array(edit, { minLength: 1, maxLength: 3 }),
      claim: fc.option(claimEdit, { nil: undefined }),
      format: fc.constantFrom('token', 'request', 'http-1.0', 'http-2.0'),
    });
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(mutation, async ({ which, edits, claim, format }) => {
        const original = valid[which] as string;
        let token = claim ? applyClaimEdit(original, claim) : original;
        if (!claim) for (const change of edits) token = apply(token, change);
        fc.pre(token !== original);
        const event = events[format];
        setAuthorization(event, format, `Bearer ${token}`);
        checked++;
        try {
          const decision = await authorizer.authorize(event);
          return decision.effect !== 'Allow';
        } catch (error) {
          return error instanceof AuthorizationFailure;
        }
      }),
      { numRuns: 10_000 },
    );
    expect(checked).toBeGreaterThanOrEqual(10_000);
  });
});
