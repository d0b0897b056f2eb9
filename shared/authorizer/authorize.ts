import { hash } from 'node:crypto';
import { SimpleLruCache } from 'aws-jwt-verify/cache';
import type { Fetcher } from 'aws-jwt-verify/https';
import type { AuthorizerContext, AuthorizerResult, PolicyDocument } from '../events/index.js';
import { cachedPolicy, exactPolicy } from './policy.js';
import { contextOf, principalOf } from './principal.js';
import {
  AuthorizationFailure,
  bearerToken,
  type ReasonCode,
  type RequestFacts,
  readRequest,
} from './request.js';
import type { RevocationCheck } from './revocation.js';
import { type Principal, RouteTable, satisfies } from './routes.js';
import type { AuthorizerSettings } from './settings.js';
import { TokenVerifier, trustedPools } from './verify.js';

/** The answer for API Gateway plus what the log line needs (never the token). */
export interface Decision {
  effect: 'Allow' | 'Deny';
  reason: ReasonCode;
  result: AuthorizerResult;
  /** Index of the deciding rule in `authorizer.routes`, when one matched. */
  rule?: number;
  sub: string;
  cached: boolean;
}

/** A token already verified, with what every request of its bearer reuses. */
interface VerifiedToken {
  principal: Principal;
  context: AuthorizerContext;
  /** `exp` in milliseconds. */
  expiresAt: number;
  /** Cached-mode policies by API prefix (one API per authorizer in practice). */
  policies: Map<string, PolicyDocument>;
}

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
  private readonly tokens: SimpleLruCache<string, VerifiedToken> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly settings: AuthorizerSettings,
    private readonly dependencies: AuthorizerDependencies = {},
  ) {
    this.verifier = new TokenVerifier(trustedPools(settings), settings.graceSeconds, dependencies.fetcher);
    this.routes = new RouteTable(settings.routes);
    this.tokens = settings.tokenCacheSize > 0 ? new SimpleLruCache(settings.tokenCacheSize) : undefined;
    this.now = dependencies.now ?? Date.now;
  }

  /** Fetches every trusted JWKS; call at cold start. */
  hydrate(): Promise<void> {
    return this.verifier.hydrate();
  }

  async authorize(event: unknown): Promise<Decision> {
    const request = readRequest(event, this.settings);
    const token = bearerToken(request.authorization, this.settings.maxTokenBytes);
    let cached = true;
    let verified = this.cachedToken(token);
    if (!verified) {
      cached = false;
      verified = await this.verifyToken(token);
    }
    if (this.dependencies.revocation) {
      const refused = await this.dependencies.revocation.check(verified.principal.claims);
      if (refused) throw new AuthorizationFailure(refused);
    }
    return this.decide(request, verified, cached);
  }

  private cachedToken(token: string): VerifiedToken | undefined {
    if (!this.tokens) return undefined;
    const entry = this.tokens.get(tokenKey(token));
    // Past `exp`, verify again: the library then refuses it, with the grace it applies.
    return entry && entry.expiresAt > this.now() ? entry : undefined;
  }

  private async verifyToken(token: string): Promise<VerifiedToken> {
    const payload = await this.verifier.verify(token);
    const principal = principalOf(payload);
    if (!principal.sub) throw new AuthorizationFailure('INVALID_TOKEN', 'no-sub');
    const verified: VerifiedToken = {
      principal,
      context: contextOf(principal, this.settings.tenantClaim),
      expiresAt: (payload.exp ?? 0) * 1000,
      policies: new Map(),
    };
    this.tokens?.set(tokenKey(token), verified);
    return verified;
  }

  private decide(request: RequestFacts, verified: VerifiedToken, cached: boolean): Decision {
    const { principal } = verified;
    const rule = this.routes.match(request.method, request.path);
    const allowed = rule !== undefined && satisfies(principal, rule);
    const reason: ReasonCode = allowed ? 'ALLOWED' : rule ? 'MISSING_RIGHTS' : 'NO_RULE';
    const effect = allowed ? 'Allow' : 'Deny';
    const base = {
      effect,
      reason,
      sub: principal.sub,
      cached,
      ...(rule ? { rule: rule.index } : {}),
    } as const;
    if (request.format === 'http-2.0' && this.settings.simpleResponses) {
      return { ...base, result: { isAuthorized: allowed, context: verified.context } };
    }
    return {
      ...base,
      result: {
        principalId: principal.sub,
        policyDocument: this.policy(request, verified, allowed),
        context: verified.context,
      },
    };
  }

  private policy(request: RequestFacts, verified: VerifiedToken, allowed: boolean): PolicyDocument {
    if (this.settings.resultCacheTtl === 0) return exactPolicy(allowed ? 'Allow' : 'Deny', request.arn);
    let policy = verified.policies.get(request.apiPrefix);
    if (!policy) {
      policy = cachedPolicy(verified.principal, this.routes, request.apiPrefix);
      // Too long for API Gateway: exact (correct, only less cacheable).
      if (!policy) return exactPolicy(allowed ? 'Allow' : 'Deny', request.arn);
      verified.policies.set(request.apiPrefix, policy);
    }
    return policy;
  }
}

/** The cache key of a token: its SHA-256, so the cache never holds a usable token. */
function tokenKey(token: string): string {
  return hash('sha256', token, 'base64url');
}
