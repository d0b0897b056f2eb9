import * as v from 'valibot';
import { loadSettings, type Settings, setting } from '../config/settings.js';
import { ConfigError } from '../errors/index.js';

const commaList = (value: string) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

const claimValue = v.union([v.string(), v.number(), v.boolean()]);

/** One trusted user pool. `issuer` marks a local emulator (cognito-local): generic verifier, http JWKS. */
export const poolSchema = v.strictObject({
  userPoolId: v.pipe(v.string(), v.regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a user pool id')),
  clientIds: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1, 'needs a client id')),
  tokenUse: v.optional(v.picklist(['id', 'access', 'any']), 'access'),
  issuer: v.optional(v.pipe(v.string(), v.url())),
  jwksUri: v.optional(v.pipe(v.string(), v.url())),
});
export type PoolSetting = v.InferOutput<typeof poolSchema>;

/**
 * One route rule: `method` (`GET`, ... or `ANY`) and an API Gateway path pattern (`/items`,
 * `/items/{id}`, `/files/{proxy+}`) to what the caller needs. Within a kind any listed value
 * suffices (one of the groups, one of the scopes); every kind given must hold; `claims` maps a
 * claim to its required value (or one of a list). A rule with no requirement admits any valid token.
 */
export const routeRuleSchema = v.strictObject({
  method: v.pipe(v.string(), v.toUpperCase(), v.regex(/^(ANY|\*|[A-Z]+)$/, 'must be an HTTP method or ANY')),
  path: v.pipe(
    v.string(),
    v.regex(/^\/[^\s*?]*$/, 'must start with / and hold no wildcard or space'),
    v.maxLength(300, 'longer than 300 characters: its policy resource could pass 512'),
  ),
  groups: v.optional(v.array(v.string())),
  scopes: v.optional(v.array(v.string())),
  claims: v.optional(v.record(v.string(), v.union([claimValue, v.array(claimValue)]))),
});
export type RouteRuleSetting = v.InferOutput<typeof routeRuleSchema>;

const seconds = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(max));

/** Everything the API authorizer reads, validated at cold start. */
export const authorizerSettingSpecs = {
  userPoolId: setting({
    env: 'USER_POOL_ID',
    schema: v.optional(v.string()),
    default: undefined,
    doc: 'A user pool whose tokens the authorizer accepts (with USER_POOL_CLIENT_ID); more in authorizer.pools.',
  }),
  userPoolClientIds: setting({
    env: 'USER_POOL_CLIENT_ID',
    schema: v.union([v.array(v.string()), v.pipe(v.string(), v.transform(commaList))]),
    default: [],
    doc: 'App client ids (comma-separated) accepted for USER_POOL_ID: `aud` of ID tokens, `client_id` of access tokens.',
  }),
  tokenUse: setting({
    env: 'AUTHORIZER_TOKEN_USE',
    schema: v.picklist(['id', 'access', 'any']),
    default: 'access',
    doc: 'Which tokens USER_POOL_ID may present: `access` (recommended), `id` or `any`.',
  }),
  localIssuer: setting({
    env: 'AUTHORIZER_LOCAL_ISSUER',
    schema: v.optional(v.pipe(v.string(), v.url())),
    default: undefined,
    doc: 'Base URL of a local Cognito emulator (cognito-local); set, USER_POOL_ID is verified against `<url>/<poolId>` with its http JWKS.',
  }),
  localJwks: setting({
    env: 'AUTHORIZER_LOCAL_JWKS',
    schema: v.optional(
      v.strictObject({
        keys: v.pipe(v.array(v.record(v.string(), v.string())), v.minLength(1, 'needs a key')),
      }),
    ),
    default: undefined,
    doc: "Local runs only: the public JWKS of AUTHORIZER_LOCAL_ISSUER, pinned instead of fetched (`npm run invoke` trusts the samples' key with it). Refused unless USER_POOL_ID is a `local_` pool, which Cognito never issues.",
  }),
  pools: setting({
    file: 'authorizer.pools',
    schema: v.array(poolSchema),
    default: [],
    doc: 'More trusted pools: `{userPoolId, clientIds, tokenUse?, issuer?, jwksUri?}` (issuer only for local emulators).',
  }),
  routes: setting({
    file: 'authorizer.routes',
    schema: v.array(routeRuleSchema),
    default: [],
    doc: 'Route rules `{method, path, groups?, scopes?, claims?}`; a route without a rule is denied.',
  }),
  resultCacheTtl: setting({
    env: 'AUTHORIZER_CACHE_TTL',
    schema: seconds(3600),
    default: 0,
    doc: "The API's authorizer result cache TTL (seconds). Above 0 the policy covers every route the caller may call; 0 = exactly the called route.",
  }),
  simpleResponses: setting({
    env: 'AUTHORIZER_SIMPLE_RESPONSES',
    schema: v.boolean(),
    default: false,
    doc: 'HTTP API payload 2.0 with simple responses enabled: answer `{isAuthorized, context}` instead of an IAM policy.',
  }),
  identitySource: setting({
    env: 'AUTHORIZER_IDENTITY_SOURCE',
    schema: v.union([
      v.array(v.string()),
      v.pipe(v.string(), v.transform(commaList), v.minLength(1, 'needs at least one source')),
    ]),
    default: ['$request.header.Authorization'],
    doc: "The API's identity sources for this authorizer (comma-separated, as on the API): its result cache key. Checked at cold start against simple responses.",
  }),
  eventFormat: setting({
    env: 'AUTHORIZER_EVENT_FORMAT',
    schema: v.picklist(['auto', 'token', 'request', 'http-1.0', 'http-2.0']),
    default: 'auto',
    doc: 'The event format: detected from each event (`auto`) or fixed; an event of another format is refused.',
  }),
  graceSeconds: setting({
    env: 'AUTHORIZER_GRACE_SECONDS',
    schema: seconds(300),
    default: 5,
    doc: 'Clock-skew grace for `exp`, `nbf` and `iat`, in seconds.',
  }),
  tenantClaim: setting({
    env: 'AUTHORIZER_TENANT_CLAIM',
    schema: v.pipe(v.string(), v.minLength(1)),
    default: 'tenant_id',
    doc: 'The claim passed to the backend as `tenant`.',
  }),
  maxTokenBytes: setting({
    env: 'AUTHORIZER_MAX_TOKEN_BYTES',
    schema: v.pipe(v.number(), v.integer(), v.minValue(512), v.maxValue(16384)),
    default: 8192,
    doc: 'Longer tokens are refused before any parsing.',
  }),
  tokenCacheSize: setting({
    env: 'AUTHORIZER_TOKEN_CACHE_SIZE',
    schema: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100_000)),
    default: 1000,
    doc: 'Verified tokens kept in memory (keyed by the whole token, until `exp`); 0 = verify every time.',
  }),
  revocation: setting({
    env: 'AUTHORIZER_REVOCATION',
    schema: v.boolean(),
    default: false,
    doc: "Refuse revoked token ids (`jti`, `origin_jti`) and tokens issued before the user's sign-out time (DynamoDB).",
  }),
  revocationCacheSeconds: setting({
    env: 'AUTHORIZER_REVOCATION_CACHE_SECONDS',
    schema: seconds(300),
    default: 10,
    doc: 'How long a warm authorizer trusts a revocation answer before reading DynamoDB again.',
  }),
};

export type AuthorizerSettings = Settings<typeof authorizerSettingSpecs>;

/** Reads the authorizer's settings (environment, then `config/gatehouse.json`, then defaults). */
export function loadAuthorizerSettings(sources?: Parameters<typeof loadSettings>[1]): AuthorizerSettings {
  return loadSettings(authorizerSettingSpecs, sources);
}

/**
 * A simple response is one boolean with no resource in it: API Gateway caches it by the identity
 * sources and serves it for every route. Cached, it is right only when the cache key holds the
 * route: `$context.routeKey` (method and route), or `$context.httpMethod` with `$context.path`.
 * Anything else would let the answer for one route open every other one, so it fails at cold start.
 */
export function assertCachedAnswersFitRoutes(
  settings: Pick<AuthorizerSettings, 'simpleResponses' | 'resultCacheTtl' | 'identitySource'>,
): void {
  if (!settings.simpleResponses || settings.resultCacheTtl === 0) return;
  const sources = new Set(settings.identitySource);
  const keyedByRoute =
    sources.has('$context.routeKey') || (sources.has('$context.httpMethod') && sources.has('$context.path'));
  if (keyedByRoute) return;
  throw new ConfigError(
    'AUTHORIZER_SIMPLE_RESPONSES=true with AUTHORIZER_CACHE_TTL above 0',
    "a cached simple response is served for every route; add $context.routeKey to the API's identity source and to AUTHORIZER_IDENTITY_SOURCE, or set AUTHORIZER_CACHE_TTL=0",
  );
}
