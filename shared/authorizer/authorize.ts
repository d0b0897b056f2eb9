import type { Fetcher } from 'aws-jwt-verify/https';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { AuthorizerContext, AuthorizerResult, PolicyDocument } from '../events/index.js';
import { cachedPolicy, exactPolicy } from './policy.js';
import { contextOf, principalOf } from './principal.js';
import {
  type ArnRoute,
  AuthorizationFailure,
  bearerToken,
  parseArn,
  type ReasonCode,
  type RequestFacts,
  readRequest,
} from './request.js';
import type { RevocationCheck } from './revocation.js';
import { ambiguousPath, type CompiledRule, type Principal, RouteTable, satisfies } from './routes.js';
import { type AuthorizerSettings, assertCachedAnswersFitRoutes } from './settings.js';
import { assertLifetime, TokenVerifier, trustedPools } from './verify.js';
import { TokenCache } from './verify-cache.js';

/** The answer for API Gateway plus what the log line needs (never the token). */
export interface Decision {
  effect: 'Allow' | 'Deny';
  reason: ReasonCode;
  result: AuthorizerResult;
  /** Index of the deciding rule in `authorizer.routes`, when one matched. */
  rule: number | undefined;
  sub: string;
  cached: boolean;
}

/** A token already verified, with what every request of its bearer reuses. */
interface VerifiedToken {
  principal: Principal;
  context: AuthorizerContext;
  /** `exp` in milliseconds. */
  expiresAt: number;
}

/** What one ARN always means: its route, its deciding rule, its exact policies. */
interface KnownArn extends ArnRoute {
  rule: CompiledRule | undefined;
  /** Why the path is refused before matching (`dot-segment`, `escape-2f`...), if it is. */
  ambiguity: string | undefined;
  allow: PolicyDocument;
  deny: PolicyDocument;
}

/** A warm authorizer sees the same ARNs again and again; bounded, as their paths come from callers. */
const MAX_KNOWN_ARNS = 1000;
/** Cached-mode policies kept per distinct set of rights (groups, scopes, claims the rules read). */
const MAX_RIGHTS_POLICIES = 1000;

export interface AuthorizerDependencies {
  /** JWKS fetcher (tests serve the JWKS from a local server). */
  fetcher?: Fetcher;
  /** Revocation lookups, built by the caller when AUTHORIZER_REVOCATION is on. */
  revocation?: RevocationCheck;
  now?: () => number;
}

/**
 * The authorizer's logic without the Lambda wiring: read the event, check the bearer token
 * (verified-token cache, then aws-jwt-verify), check revocation, decide by route, shape the
 * answer for the event's format. Throws `AuthorizationFailure` for a 401; returns a Deny (403)
 * for a valid token without the rights. Build once per container.
 */
export class Authorizer {
  private readonly verifier: TokenVerifier;
  private readonly routes: RouteTable;
  private readonly tokens: TokenCache<VerifiedToken> | undefined;
  private readonly knownArns = new Map<string, KnownArn>();
  /** Cached-mode policy by API prefix and rights: computed once per kind of caller, not per token. */
  private readonly policiesByRights = new Map<string, PolicyDocument | null>();
  /** The claims any rule reads: with groups and scopes, all that decides a cached-mode policy. */
  private readonly claimsRead: string[];
  private readonly now: () => number;

  constructor(
    private readonly settings: AuthorizerSettings,
    private readonly dependencies: AuthorizerDependencies = {},
  ) {
    assertCachedAnswersFitRoutes(settings);
    this.verifier = new TokenVerifier(trustedPools(settings), settings.graceSeconds, dependencies.fetcher);
    this.routes = new RouteTable(settings.routes);
    this.claimsRead = [...new Set(this.routes.rules.flatMap((rule) => rule.claims.map(([name]) => name)))];
    this.tokens = settings.tokenCacheSize > 0 ? new TokenCache(settings.tokenCacheSize) : undefined;
    this.now = dependencies.now ?? Date.now;
  }

  /** Fetches every trusted JWKS; call at cold start. */
  hydrate(): Promise<void> {
    return this.verifier.hydrate();
  }

  async authorize(event: unknown): Promise<Decision> {
    const request = readRequest(event, this.settings);
    const route = this.knownArn(request.arn);
    if (route.ambiguity) throw new AuthorizationFailure('AMBIGUOUS_PATH', route.ambiguity);
    if (request.authorization.length > this.settings.maxTokenBytes + 7) {
      throw new AuthorizationFailure('TOKEN_TOO_LARGE'); // before it is used as a cache key
    }
    let cached = true;
    let verified = this.cachedToken(request.authorization);
    if (!verified) {
      cached = false;
      // Synchronous while the JWKS holds the token's key: no promise on the hot path.
      verified =
        this.verifyTokenSync(request.authorization) ?? (await this.verifyToken(request.authorization));
    }
    if (this.dependencies.revocation) {
      const refused = await this.dependencies.revocation.check(verified.principal.claims);
      if (refused) throw new AuthorizationFailure(refused);
    }
    return this.decide(request, route, verified, cached);
  }

  private knownArn(arn: string): KnownArn {
    const known = this.knownArns.get(arn);
    if (known) return known;
    const route = parseArn(arn);
    const ambiguity = ambiguousPath(route.path);
    const fresh: KnownArn = {
      ...route,
      ambiguity,
      rule: ambiguity ? undefined : this.routes.match(route.method, route.path),
      allow: exactPolicy('Allow', arn),
      deny: exactPolicy('Deny', arn),
    };
    if (this.knownArns.size >= MAX_KNOWN_ARNS) this.knownArns.clear();
    this.knownArns.set(arn, fresh);
    return fresh;
  }

  /**
   * A token verified before (twice: see `remember`), keyed by the whole header value
   * (`Bearer <token>`): only the exact same string hits, so a token differing in any character (its signature included) is verified
   * on its own. A hit skips the format check and the signature; `exp` is checked at every use, and
   * an entry past it is dropped (the token is then verified again, and refused). Revocation is not
   * cached here: it is checked after, on every request, hit or not.
   */
  private cachedToken(authorization: string): VerifiedToken | undefined {
    const entry = this.tokens?.get(authorization);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.now()) return entry;
    this.tokens?.delete(authorization);
    return undefined;
  }

  /** The token verified without waiting, or undefined when its key must be fetched first (async path). */
  private verifyTokenSync(authorization: string): VerifiedToken | undefined {
    const token = bearerToken(authorization, this.settings.maxTokenBytes);
    const payload = this.verifier.verifySync(token);
    return payload === undefined ? undefined : this.remember(authorization, payload);
  }

  private async verifyToken(authorization: string): Promise<VerifiedToken> {
    const token = bearerToken(authorization, this.settings.maxTokenBytes);
    return this.remember(authorization, await this.verifier.verify(token));
  }

  /**
   * The lifetime rules aws-jwt-verify leaves optional, then the principal, cached until `exp`
   * from the token's second verification on (the cache's admission: a token used once is not kept).
   */
  private remember(authorization: string, payload: JwtPayload): VerifiedToken {
    assertLifetime(payload, this.now(), this.settings.graceSeconds);
    const principal = principalOf(payload);
    if (!principal.sub) throw new AuthorizationFailure('INVALID_TOKEN', 'no-sub');
    const verified: VerifiedToken = {
      principal,
      context: contextOf(principal, this.settings.tenantClaim),
      expiresAt: (payload.exp ?? 0) * 1000,
    };
    this.tokens?.offer(authorization, verified);
    return verified;
  }

  private decide(request: RequestFacts, route: KnownArn, verified: VerifiedToken, cached: boolean): Decision {
    const { principal, context } = verified;
    const rule = route.rule;
    const allowed = rule !== undefined && satisfies(principal, rule);
    const effect = allowed ? 'Allow' : 'Deny';
    const reason: ReasonCode = allowed ? 'ALLOWED' : rule ? 'MISSING_RIGHTS' : 'NO_RULE';
    const result: AuthorizerResult =
      request.format === 'http-2.0' && this.settings.simpleResponses
        ? { isAuthorized: allowed, context }
        : { principalId: principal.sub, policyDocument: this.policy(route, verified, allowed), context };
    return { effect, reason, result, rule: rule?.index, sub: principal.sub, cached };
  }

  private policy(route: KnownArn, verified: VerifiedToken, allowed: boolean): PolicyDocument {
    if (this.settings.resultCacheTtl === 0) return allowed ? route.allow : route.deny;
    const { principal } = verified;
    const rights = JSON.stringify([
      route.apiPrefix,
      [...principal.groups].sort(),
      [...principal.scopes].sort(),
      this.claimsRead.map((name) => principal.claims[name] ?? null),
    ]);
    let policy = this.policiesByRights.get(rights);
    if (policy === undefined) {
      policy = cachedPolicy(principal, this.routes, route.apiPrefix) ?? null;
      if (this.policiesByRights.size >= MAX_RIGHTS_POLICIES) this.policiesByRights.clear();
      this.policiesByRights.set(rights, policy);
    }
    // null: a resource would pass 512 characters; the exact ARN is correct, only less cacheable.
    return policy ?? (allowed ? route.allow : route.deny);
  }
}
