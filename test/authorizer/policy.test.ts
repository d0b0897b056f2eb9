import { describe, expect, it } from 'vitest';
import {
  cachedPolicy,
  exactPolicy,
  globsIntersect,
  MAX_RESOURCE_LENGTH,
} from '../../shared/authorizer/policy.js';
import { ambiguousPath, RouteTable } from '../../shared/authorizer/routes.js';
import { evaluatePolicy, principal, rules } from './fixture.js';

/**
 * The route and policy edges mutation testing found untested (issue 19): empty segments, paths
 * without a leading slash, `*` as a method, trailing slashes in rules; a cached policy with
 * nothing to deny, and the 512-character fallback when only some resources are too long.
 */
const PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/';

describe('route matching at the edges', () => {
  const table = new RouteTable(
    rules([
      { method: 'GET', path: '/items/{id}/notes' },
      { method: 'ANY', path: '/files/{proxy+}' },
      { method: '*', path: '/anything' },
      { method: 'GET', path: '/trailing/' },
      { method: 'GET', path: '/' },
    ]),
  );

  it.each([
    ['an empty segment where a {param} is', 'GET', '/items//notes', undefined],
    ['the same path with the segment', 'GET', '/items/42/notes', 0],
    ['no leading slash', 'GET', 'items/42/notes', undefined],
    ['an empty path', 'GET', '', undefined],
    ['{proxy+} with an empty first segment', 'GET', '/files//x', 1],
    ['{proxy+} with nothing after it but a slash', 'GET', '/files/', undefined],
    ["method '*' matches GET", 'GET', '/anything', 2],
    ["method '*' matches DELETE", 'DELETE', '/anything', 2],
    ['a rule written with a trailing slash, called without', 'GET', '/trailing', 3],
    ['a rule written with a trailing slash, called with', 'GET', '/trailing/', 3],
    ['the root', 'GET', '/', 4],
    ['the root, other method', 'POST', '/', undefined],
  ])('%s: %s %j -> rule %s', (_, method, path, expected) => {
    expect(table.match(method, path)?.index).toBe(expected);
  });

  it('a request path with a trailing slash after several segments matches its rule', () => {
    expect(table.match('GET', '/items/42/notes/')?.index).toBe(0);
    expect(table.match('GET', '/files/a/b/')?.index).toBe(1);
  });

  it.each([['/a/x{p+}'], ['/a/{p+}x'], ['/a/{p}x'], ['/a/x{p}']])(
    'refuses %s at cold start, naming the rule and the settings file',
    (path) => {
      expect(
        () =>
          new RouteTable(
            rules([
              { method: 'GET', path: '/ok' },
              { method: 'GET', path },
            ]),
          ),
      ).toThrow(
        /authorizer\.routes\.1 \(config\/gatehouse\.json\).*neither literal nor \{name\} nor \{name\+\}/,
      );
    },
  );

  it("compiles '*' to ANY and drops a rule's trailing slash (its policy resource too)", () => {
    expect(table.rules[2]).toMatchObject({ method: 'ANY', path: '/anything', resource: '*/anything' });
    expect(table.rules[3]).toMatchObject({ method: 'GET', path: '/trailing', resource: 'GET/trailing' });
    expect(table.rules[4]).toMatchObject({ path: '/', resource: 'GET/' });
    expect(table.rules[0]).toMatchObject({ resource: 'GET/items/*/notes' });
  });

  it('refuses a rule duplicating another once its trailing slash or * is read', () => {
    expect(
      () =>
        new RouteTable(
          rules([
            { method: 'GET', path: '/a' },
            { method: 'GET', path: '/a/' },
          ]),
        ),
    ).toThrow('duplicates GET /a');
    expect(
      () =>
        new RouteTable(
          rules([
            { method: 'ANY', path: '/a' },
            { method: '*', path: '/a' },
          ]),
        ),
    ).toThrow('duplicates ANY /a');
  });

  it.each([
    ['/files/../admin', 'dot-segment'],
    ['/files/./x', 'dot-segment'],
    ['/files/..', 'dot-segment'],
    ['/files/a\\b', 'backslash'],
    ['/files/%2e%2e/admin', 'escape-2e'],
    ['/files/a%2Fb', 'escape-2f'],
    ['/files/a%5cb', 'escape-5c'],
    ['/files/%252e', 'escape-25'],
    ['/files/a..b/.x', undefined],
    ['/files/plain', undefined],
  ])('ambiguousPath(%j) = %j', (path, expected) => {
    expect(ambiguousPath(path)).toBe(expected);
  });
});

describe('cached policies at the edges', () => {
  const table = new RouteTable(
    rules([
      { method: 'GET', path: '/items', groups: ['readers'] },
      { method: 'GET', path: '/items/{id}', groups: ['readers'] },
      { method: 'DELETE', path: '/items/{id}', groups: ['admins'] },
    ]),
  );

  it('a principal allowed everything: the Deny statement still holds the ambiguous paths, never empty', () => {
    const policy = cachedPolicy(principal({ groups: ['readers', 'admins'] }), table, PREFIX)!;
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement).toHaveLength(2);
    const [allow, deny] = policy.Statement;
    expect(allow).toEqual({
      Action: 'execute-api:Invoke',
      Effect: 'Allow',
      Resource: [`${PREFIX}GET/items`, `${PREFIX}GET/items/*`, `${PREFIX}DELETE/items/*`],
    });
    // API Gateway refuses a statement without resources: every statement names at least one.
    for (const statement of policy.Statement) expect(statement.Resource.length).toBeGreaterThan(0);
    expect(deny?.Effect).toBe('Deny');
    expect(deny?.Resource).toEqual(
      [
        '*/./*',
        '*/.',
        '*/../*',
        '*/..',
        '*\\*',
        '*%2e*',
        '*%2E*',
        '*%2f*',
        '*%2F*',
        '*%5c*',
        '*%5C*',
        '*%25*',
      ].map((r) => PREFIX + r),
    );
    for (const path of ['/items/../admin', '/items/%2e%2e/x', '/items/a%2Fb', '/items/a\\b', '/items/.']) {
      expect([path, evaluatePolicy(policy, `${PREFIX}GET${path}`)]).toEqual([path, 'Deny']);
    }
    expect(evaluatePolicy(policy, `${PREFIX}DELETE/items/42`)).toBe('Allow');
  });

  it('a reader: the admin route a wildcard reaches is denied by name, the others are not listed', () => {
    const policy = cachedPolicy(principal({ groups: ['readers'] }), table, PREFIX)!;
    expect(policy.Statement[0]?.Resource).toEqual([`${PREFIX}GET/items`, `${PREFIX}GET/items/*`]);
    // DELETE/items/* intersects no allowed GET resource: nothing to deny but the ambiguous paths.
    expect(policy.Statement[1]?.Resource).not.toContain(`${PREFIX}DELETE/items/*`);
    expect(evaluatePolicy(policy, `${PREFIX}DELETE/items/42`)).toBe('Deny');
  });

  it('allowed resources are listed once, however many rules share one', () => {
    const shared = new RouteTable(
      rules([
        { method: 'GET', path: '/a/{x}', groups: ['g'] },
        { method: 'GET', path: '/a/{y}/', scopes: ['s'] },
      ]).slice(0, 1),
    );
    const twice = new RouteTable(
      rules([
        { method: 'GET', path: '/a/{x}/b', groups: ['g'] },
        { method: 'GET', path: '/a/{y}/c', groups: ['g'] },
        { method: 'GET', path: '/a/{z}', groups: ['g'] },
        { method: 'POST', path: '/a/{z}', groups: ['g'] },
      ]),
    );
    expect(cachedPolicy(principal({ groups: ['g'] }), shared, PREFIX)?.Statement[0]?.Resource).toEqual([
      `${PREFIX}GET/a/*`,
    ]);
    expect(cachedPolicy(principal({ groups: ['g'] }), twice, PREFIX)?.Statement[0]?.Resource).toEqual([
      `${PREFIX}GET/a/*/b`,
      `${PREFIX}GET/a/*/c`,
      `${PREFIX}GET/a/*`,
      `${PREFIX}POST/a/*`,
    ]);
  });

  /** An API prefix (a long stage name) making `prefix + method + path` exactly `length` long. */
  const LONG = `/${'p'.repeat(250)}`;
  const API = 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/';
  const prefixFor = (length: number, rest: string) =>
    `${API}${'s'.repeat(length - API.length - rest.length - 1)}/`;

  it('falls back to the exact ARN when only one resource, allowed or denied, passes 512 characters', () => {
    const allowedLong = new RouteTable(
      rules([
        { method: 'GET', path: '/short', groups: ['g'] },
        { method: 'GET', path: LONG, groups: ['g'] },
      ]),
    );
    const over = prefixFor(MAX_RESOURCE_LENGTH + 1, `GET${LONG}`);
    expect(`${over}GET${LONG}`.length).toBe(513);
    expect(cachedPolicy(principal({ groups: ['g'] }), allowedLong, over)).toBeUndefined();
    // A denied rule is listed only when an allowed wildcard reaches it: one that does.
    const deniedLong = new RouteTable(
      rules([
        { method: 'GET', path: '/{any}', groups: ['g'] },
        { method: 'GET', path: LONG, groups: ['other'] },
      ]),
    );
    expect(cachedPolicy(principal({ groups: ['g'] }), deniedLong, over)).toBeUndefined();
    const fits = prefixFor(MAX_RESOURCE_LENGTH, `GET${LONG}`);
    expect(cachedPolicy(principal({ groups: ['g'] }), deniedLong, fits)?.Statement[1]?.Resource[0]).toBe(
      `${fits}GET${LONG}`,
    );
  });

  it('keeps the cached policy when the longest resource is exactly 512 characters', () => {
    const exact = new RouteTable(
      rules([
        { method: 'GET', path: '/short', groups: ['g'] },
        { method: 'GET', path: LONG, groups: ['g'] },
      ]),
    );
    const prefix = prefixFor(MAX_RESOURCE_LENGTH, `GET${LONG}`);
    const policy = cachedPolicy(principal({ groups: ['g'] }), exact, prefix);
    expect(policy?.Statement[0]?.Resource.map((r) => r.length)).toEqual([prefix.length + 9, 512]);
  });

  it.each([
    ['*x', 'y', false],
    ['y', '*x', false],
    ['a*', 'b', false],
    ['*', '', true],
    ['', '*', true],
    ['', '', true],
    ['a', '', false],
    ['', 'a', false],
    ['a*c', 'ab*', true],
    ['*b', 'a*', true],
  ])('globsIntersect(%j, %j) = %s', (a, b, expected) => {
    expect(globsIntersect(a, b)).toBe(expected);
  });

  it('denies the whole API, in one statement, to a principal allowed nothing', () => {
    expect(cachedPolicy(principal(), table, PREFIX)).toEqual(exactPolicy('Deny', `${PREFIX}*`));
  });
});
