import { describe, expect, it } from 'vitest';
import { cachedPolicy, exactPolicy, globsIntersect } from '../../shared/authorizer/policy.js';
import { type Principal, RouteTable, satisfies } from '../../shared/authorizer/routes.js';
import { ConfigError } from '../../shared/errors/index.js';
import { evaluatePolicy, principal, ROUTES, rules } from './fixture.js';

const table = new RouteTable(
  rules([
    { method: 'GET', path: '/items' },
    { method: 'GET', path: '/items/{id}' },
    { method: 'get', path: '/items/special' },
    { method: 'ANY', path: '/items/{id}/notes' },
    { method: 'POST', path: '/items/{id}/notes' },
    { method: 'ANY', path: '/files/{proxy+}' },
    { method: 'GET', path: '/files/{proxy+}' },
    { method: 'GET', path: '/' },
    { method: 'GET', path: '/a/{x}/c' },
    { method: 'GET', path: '/a/b/{y}' },
  ]),
);

describe('route rules', () => {
  it.each([
    ['GET', '/items', 0],
    ['GET', '/items/', 0],
    ['GET', '/items/42', 1],
    ['GET', '/items/special', 2], // literal before {param}
    ['PUT', '/items/42/notes', 3], // ANY
    ['POST', '/items/42/notes', 4], // exact method before ANY
    ['GET', '/files/a/b/c.txt', 6],
    ['DELETE', '/files/a', 5],
    ['GET', '/', 7],
    ['GET', '/a/b/c', 9], // literal b first, then {y}
    ['GET', '/a/z/c', 8],
    ['GET', '/a/b/d', 9],
    ['POST', '/items', undefined],
    ['GET', '/items/42/other', undefined],
    ['GET', '/files', undefined], // {proxy+} needs one segment
    ['GET', '/ITEMS', undefined], // paths are case-sensitive
    ['GET', 'items', undefined],
  ])('%s %s -> rule %s', (method, path, expected) => {
    expect(table.match(method, path)?.index).toBe(expected);
  });

  it('finds the rule in a large set by the path tree, not by scanning every rule', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({
      method: 'GET',
      path: `/r${i}/{id}`,
      groups: [`g${i}`],
    }));
    const big = new RouteTable(rules(many));
    expect(big.match('GET', '/r19999/x')?.index).toBe(19_999);
    expect(big.match('GET', '/r20000/x')).toBeUndefined();
    // A lookup walks one node per segment: the root holds one literal child per rule prefix.
    const lookup = big as unknown as { root: { literal: Map<string, unknown> } };
    expect(lookup.root.literal.size).toBe(20_000);
  });

  it.each([
    [[{ method: 'GET', path: '/a/{p+}/b' }], '{proxy+} must be the last segment'],
    [[{ method: 'GET', path: '/a/x{p}' }], 'neither literal'],
    [
      [
        { method: 'GET', path: '/a/{p}' },
        { method: 'GET', path: '/a/{q}' },
      ],
      'duplicates GET /a/{q}',
    ],
  ])('refuses a bad rule at cold start, naming it: %j', (routes, problem) => {
    expect(() => new RouteTable(rules(routes))).toThrow(ConfigError);
    expect(() => new RouteTable(rules(routes))).toThrow(problem);
  });

  it.each([
    [{ method: 'GET', path: 'items' }],
    [{ method: 'GET', path: '/items/*' }],
    [{ method: 'G ET', path: '/items' }],
    [{ method: 'GET', path: '/items', groups: 'admins' }],
    [{ method: 'GET', path: '/items', role: 'x' }],
    [{ method: 'GET', path: `/${'a'.repeat(400)}` }],
  ])('refuses a malformed rule in the settings: %j', (rule) => {
    expect(() => rules([rule])).toThrow(ConfigError);
  });
});

describe('requirements', () => {
  const t = new RouteTable(
    rules([
      { method: 'GET', path: '/g', groups: ['a', 'b'] },
      { method: 'GET', path: '/s', scopes: ['x/read'] },
      { method: 'GET', path: '/c', claims: { tenant_id: 'acme', tier: ['gold', 'silver'] } },
      { method: 'GET', path: '/all', groups: ['a'], scopes: ['x/read'] },
      { method: 'GET', path: '/none', groups: [] },
      { method: 'GET', path: '/open' },
    ]),
  );
  it.each([
    ['/g', principal({ groups: ['b'] }), true],
    ['/g', principal({ groups: ['c'] }), false],
    ['/s', principal({ scopes: ['x/read', 'y'] }), true],
    ['/s', principal({ scopes: ['x/write'] }), false],
    ['/c', principal({ claims: { tenant_id: 'acme', tier: 'silver' } }), true],
    ['/c', principal({ claims: { tenant_id: 'acme', tier: 'bronze' } }), false],
    ['/c', principal({ claims: { tenant_id: 'acme' } }), false],
    ['/all', principal({ groups: ['a'] }), false],
    ['/all', principal({ groups: ['a'], scopes: ['x/read'] }), true],
    ['/none', principal({ groups: ['a'] }), false],
    ['/open', principal(), true],
  ])('%s with %j -> %s', (path, who, expected) => {
    expect(satisfies(who, t.match('GET', path)!)).toBe(expected);
  });
});

const PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/';
const ROUTE_TABLE = new RouteTable(rules(ROUTES));
/** Concrete requests for every rule and some with no rule. */
const REQUESTS: Array<[string, string]> = [
  ['GET', '/items'],
  ['POST', '/items'],
  ['GET', '/items/42'],
  ['DELETE', '/items/42'],
  ['GET', '/items/42/audit'],
  ['POST', '/admin/users/7'],
  ['GET', '/admin/x'],
  ['GET', '/tenants/acme/report'],
];

describe('policies under the API cache', () => {
  it('with caching off, speaks about the exact ARN only', () => {
    expect(exactPolicy('Allow', `${PREFIX}GET/items`)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${PREFIX}GET/items`] }],
    });
  });

  const cases: Array<[string, Principal]> = [
    ['a reader', principal({ groups: ['readers'] })],
    ['a reader with the read scope', principal({ groups: ['readers'], scopes: ['gatehouse/items.read'] })],
    ['an admin', principal({ groups: ['admins'], scopes: ['gatehouse/items.read'] })],
    ['an auditor of tenant acme', principal({ groups: ['auditors'], claims: { tenant_id: 'acme' } })],
    ['nobody special', principal()],
  ];
  const decide = (who: Principal, method: string, path: string) => {
    const rule = ROUTE_TABLE.match(method, path);
    return rule && satisfies(who, rule) ? 'Allow' : 'Deny';
  };

  it.each(cases)('for %s, the cached policy never allows a route the rules deny', (_, who) => {
    const policy = cachedPolicy(who, ROUTE_TABLE, PREFIX)!;
    for (const statement of policy.Statement) {
      for (const resource of statement.Resource) expect(resource.length).toBeLessThanOrEqual(512);
    }
    for (const [method, path] of REQUESTS.filter(([m, p]) => ROUTE_TABLE.match(m, p))) {
      if (decide(who, method, path) === 'Deny') {
        expect([method, path, evaluatePolicy(policy, `${PREFIX}${method}${path}`)]).toEqual([
          method,
          path,
          'Deny',
        ]);
      }
    }
  });

  it.each(cases.filter(([name]) => !name.startsWith('an auditor')))(
    'for %s, it allows exactly the routes the rules allow',
    (_, who) => {
      const policy = cachedPolicy(who, ROUTE_TABLE, PREFIX)!;
      for (const [method, path] of REQUESTS.filter(([m, p]) => ROUTE_TABLE.match(m, p))) {
        const answer = evaluatePolicy(policy, `${PREFIX}${method}${path}`);
        expect([method, path, answer]).toEqual([method, path, decide(who, method, path)]);
      }
    },
  );

  it('errs on the side of Deny where a failed broad rule spans an allowed narrow one (documented)', () => {
    // The auditor may call GET /items/{id}/audit but not GET /items/{id}; IAM's `*` spans `/`, so
    // the Deny of GET/items/* also reaches /items/42/audit. Safe, and the README says so.
    const auditor = cases[3]![1];
    const policy = cachedPolicy(auditor, ROUTE_TABLE, PREFIX)!;
    expect(decide(auditor, 'GET', '/items/42/audit')).toBe('Allow');
    expect(evaluatePolicy(policy, `${PREFIX}GET/items/42/audit`)).toBe('Deny');
    expect(evaluatePolicy(policy, `${PREFIX}GET/tenants/acme/report`)).toBe('Allow');
  });

  it('covers every allowed route whichever route asked first (the policy depends on the principal only)', () => {
    const who = principal({ groups: ['readers'], scopes: ['gatehouse/items.read'] });
    const policy = cachedPolicy(who, ROUTE_TABLE, PREFIX)!;
    expect(policy.Statement[0]).toEqual({
      Action: 'execute-api:Invoke',
      Effect: 'Allow',
      Resource: [`${PREFIX}GET/items`, `${PREFIX}GET/items/*`],
    });
    // GET/items/* would reach /items/42/audit and /items/x/admin/y: those failed rules are denied explicitly.
    expect(policy.Statement[1]).toMatchObject({ Action: 'execute-api:Invoke', Effect: 'Deny' });
    expect(policy.Statement[1]?.Resource.slice(0, 2)).toEqual([
      `${PREFIX}GET/items/*/audit`,
      `${PREFIX}*/admin/*`,
    ]);
    // Then the ambiguous paths (dot segments, encoded slashes), which no cached wildcard may reach.
    expect(policy.Statement[1]?.Resource).toContain(`${PREFIX}*/../*`);
  });

  it('denies the whole API to a principal with no allowed route', () => {
    expect(
      cachedPolicy(
        principal(),
        new RouteTable(rules([{ method: 'GET', path: '/x', groups: ['a'] }])),
        PREFIX,
      ),
    ).toEqual(exactPolicy('Deny', `${PREFIX}*`));
  });

  it('gives up (the caller uses the exact ARN) when a resource would pass 512 characters', () => {
    const long = new RouteTable(rules([{ method: 'GET', path: `/${'a'.repeat(299)}` }]));
    const longPrefix = `arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/${'s'.repeat(200)}/`;
    expect(cachedPolicy(principal(), long, longPrefix)).toBeUndefined();
    expect(cachedPolicy(principal(), long, PREFIX)).toBeDefined();
  });

  it.each([
    ['GET/items/*', 'GET/items/*/audit', true],
    ['GET/items', 'GET/items/*', false],
    ['*/admin/*', 'GET/items/*', true], // * spans /: GET/items/x/admin/y
    ['*/items/*', 'DELETE/items/*', true],
    ['GET/a', 'GET/a', true],
    ['GET/a', 'GET/b', false],
    ['*', 'anything', true],
    ['GET/*/x', 'GET/y/*', true],
  ])('globsIntersect(%s, %s) = %s', (a, b, expected) => {
    expect(globsIntersect(a, b)).toBe(expected);
    expect(globsIntersect(b, a)).toBe(expected);
  });
});
