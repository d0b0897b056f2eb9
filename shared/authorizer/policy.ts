import type { PolicyDocument, PolicyStatement } from '../events/index.js';
import {
  AMBIGUOUS_ESCAPES,
  type CompiledRule,
  type Principal,
  type RouteTable,
  satisfies,
} from './routes.js';

/** API Gateway's limit on one policy Resource. */
export const MAX_RESOURCE_LENGTH = 512;

/**
 * Paths the authorizer refuses before matching (see `ambiguousPath`), denied in every cached
 * policy too: a cached wildcard (`GET/files/*`) would otherwise reach `GET/files/../admin`
 * without the authorizer seeing it. Both cases of each escape: the ARN match is case-sensitive.
 */
const AMBIGUOUS_PATH_RESOURCES = [
  ...new Set([
    '*/./*',
    '*/.',
    '*/../*',
    '*/..',
    '*\\*',
    ...AMBIGUOUS_ESCAPES.flatMap((code) => [`*${code}*`, `*${code.toUpperCase()}*`]),
  ]),
];

/** A policy about exactly one method ARN: right when API Gateway does not cache the answer. */
export function exactPolicy(effect: 'Allow' | 'Deny', arn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: [arn] }],
  };
}

/**
 * The policy for an API that caches authorizer answers: a cached answer serves every route of
 * the API, so it allows every route the principal may call (wildcards), whichever route asked
 * first, and explicitly denies the routes it may not call where an allowed wildcard would also
 * reach them (`*` in an execute-api ARN spans `/`, and an explicit Deny wins in IAM), and the
 * ambiguous paths.
 * Returns undefined if a resource would pass 512 characters (the caller falls back to the exact ARN).
 */
export function cachedPolicy(
  principal: Principal,
  table: RouteTable,
  apiPrefix: string,
): PolicyDocument | undefined {
  const allowedRules: CompiledRule[] = [];
  const deniedRules: CompiledRule[] = [];
  for (const rule of table.rules) (satisfies(principal, rule) ? allowedRules : deniedRules).push(rule);
  if (allowedRules.length === 0) return exactPolicy('Deny', `${apiPrefix}*`);

  const allowed = [...new Set(allowedRules.map((rule) => rule.resource))];
  const denied = deniedRules
    .map((rule) => rule.resource)
    .filter((resource) => allowed.some((allow) => globsIntersect(allow, resource)));
  const statements: PolicyStatement[] = [
    { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: allowed.map((r) => apiPrefix + r) },
    {
      Action: 'execute-api:Invoke',
      Effect: 'Deny',
      Resource: [...denied, ...AMBIGUOUS_PATH_RESOURCES].map((r) => apiPrefix + r),
    },
  ];
  for (const statement of statements) {
    if (statement.Resource.some((resource) => resource.length > MAX_RESOURCE_LENGTH)) return undefined;
  }
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * True when some string matches both patterns, where `*` matches any run of characters (the
 * execute-api ARN wildcard). Memoised over positions: patterns are short.
 */
export function globsIntersect(a: string, b: string): boolean {
  const seen = new Map<number, boolean>();
  const width = b.length + 1;
  const visit = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = seen.get(key);
    if (known !== undefined) return known;
    seen.set(key, false);
    let result = false;
    if (i === a.length && j === b.length) result = true;
    else if (a[i] === '*' && (visit(i + 1, j) || (j < b.length && visit(i, j + 1)))) result = true;
    else if (b[j] === '*' && (visit(i, j + 1) || (i < a.length && visit(i + 1, j)))) result = true;
    else if (i < a.length && j < b.length && a[i] !== '*' && b[j] !== '*' && a[i] === b[j]) {
      result = visit(i + 1, j + 1);
    }
    seen.set(key, result);
    return result;
  };
  return visit(0, 0);
}
