import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import * as errors from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache, SimplePenaltyBox } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { ConfigError } from '../errors/index.js';
import { KeyFetcher } from '../jwt/fetcher.js';
import { AuthorizationFailure } from './request.js';
import type { AuthorizerSettings, PoolSetting } from './settings.js';

/** Seconds during which a JWKS that lacked a token's `kid` is not fetched again (rate limit). */
const KID_REFETCH_PENALTY_SECONDS = 10;

/** A trusted pool, resolved: issuer and JWKS known, Cognito or local emulator. */
export interface TrustedPool extends PoolSetting {
  issuer: string;
  jwksUri: string;
  local: boolean;
  /** A JWKS pinned by configuration (AUTHORIZER_LOCAL_JWKS): served instead of fetching `jwksUri`. */
  jwks?: { keys: Record<string, string>[] };
}

/** The pools from USER_POOL_ID (+ AUTHORIZER_LOCAL_ISSUER) and from `authorizer.pools`. */
export function trustedPools(settings: AuthorizerSettings): TrustedPool[] {
  const pools: (PoolSetting & Pick<TrustedPool, 'jwks'>)[] = [...settings.pools];
  const pinned = pinnedLocalJwks(settings);
  if (settings.userPoolId) {
    if (settings.userPoolClientIds.length === 0) {
      throw new ConfigError('USER_POOL_CLIENT_ID (environment)', 'required with USER_POOL_ID');
    }
    pools.push({
      userPoolId: settings.userPoolId,
      clientIds: settings.userPoolClientIds,
      tokenUse: settings.tokenUse,
      ...(settings.localIssuer
        ? { issuer: `${settings.localIssuer.replace(/\/$/, '')}/${settings.userPoolId}` }
        : {}),
      ...(pinned ? { jwks: pinned } : {}),
    });
  }
  return pools.map((pool) => {
    if (pool.issuer) {
      return {
        ...pool,
        issuer: pool.issuer,
        jwksUri: pool.jwksUri ?? `${pool.issuer}/.well-known/jwks.json`,
        local: true,
      };
    }
    const region = pool.userPoolId.split('_')[0];
    if (pool.userPoolId.startsWith('local_')) {
      throw new ConfigError(
        `pool ${pool.userPoolId}`,
        'a local pool needs an issuer (AUTHORIZER_LOCAL_ISSUER)',
      );
    }
    const issuer = `https://cognito-idp.${region}.amazonaws.com/${pool.userPoolId}`;
    return { ...pool, issuer, jwksUri: `${issuer}/.well-known/jwks.json`, local: false };
  });
}

/**
 * AUTHORIZER_LOCAL_JWKS, checked: a pinned key is trusted without any fetch, so it may only ever
 * vouch for a local emulator's pool (`local_…`, an id Cognito never issues) at a local issuer, and
 * never inside AWS Lambda (its runtime sets AWS_LAMBDA_RUNTIME_API). A deployed authorizer refuses
 * to start with it, whoever set it.
 */
function pinnedLocalJwks(
  settings: AuthorizerSettings,
  env: NodeJS.ProcessEnv = process.env,
): TrustedPool['jwks'] {
  if (!settings.localJwks) return undefined;
  if (!settings.userPoolId?.startsWith('local_') || !settings.localIssuer || env.AWS_LAMBDA_RUNTIME_API) {
    throw new ConfigError(
      'AUTHORIZER_LOCAL_JWKS (environment)',
      'only for local runs: needs AUTHORIZER_LOCAL_ISSUER and a local_ USER_POOL_ID, outside AWS Lambda',
    );
  }
  return settings.localJwks;
}

/** The Cognito checks `CognitoJwtVerifier` makes, for issuers it refuses (local emulators). */
function cognitoFieldCheck(pool: TrustedPool) {
  return ({ payload }: { payload: JwtPayload }) => {
    const tokenUse = payload.token_use;
    if (tokenUse !== 'id' && tokenUse !== 'access') throw new CognitoClaimError();
    if (pool.tokenUse !== 'any' && tokenUse !== pool.tokenUse) throw new CognitoClaimError();
    const client = tokenUse === 'id' ? payload.aud : payload.client_id;
    if (typeof client !== 'string' || !pool.clientIds.includes(client)) throw new CognitoClaimError();
  };
}

/**
 * A local token's `token_use` or client refused. It never leaves this module: `invalid()` turns
 * it into the refusal `cognito-claim` by its class, so it needs no message.
 */
class CognitoClaimError extends errors.JwtBaseError {}

/** The issuer's JWKS is unreachable (a key was missing from the cache): the request cannot be judged. */
export class JwksUnavailableError extends Error {
  constructor(cause: unknown) {
    super('JWKS unavailable', { cause });
    this.name = 'JwksUnavailableError';
  }
}

interface Verifier {
  verifySync(jwt: string): JwtPayload;
  verify(jwt: string): Promise<JwtPayload>;
  hydrate(): Promise<void>;
}

/**
 * Verifies tokens of every trusted pool: `CognitoJwtVerifier` for real pools (one, or an
 * array for several), `JwtVerifier` plus the Cognito field checks for local issuers. Verifying
 * is synchronous while the JWKS holds the token's `kid`; an unknown `kid` (key rotation) takes
 * the async path, which fetches the JWKS once, then the penalty box refuses refetches for a while.
 */
export class TokenVerifier {
  private readonly cognito: Verifier | undefined;
  private readonly local: Verifier | undefined;
  private readonly localIssuers: ReadonlySet<string>;

  constructor(pools: TrustedPool[], graceSeconds: number, fetcher: Fetcher = new KeyFetcher()) {
    const jwksCache = new SimpleJwksCache({
      fetcher: withPinnedJwks(pools, fetcher),
      penaltyBox: new SimplePenaltyBox({ waitSeconds: KID_REFETCH_PENALTY_SECONDS }),
    });
    const cognitoPools = pools.filter((pool) => !pool.local);
    const localPools = pools.filter((pool) => pool.local);
    this.localIssuers = new Set(localPools.map((pool) => pool.issuer));
    this.cognito =
      cognitoPools.length > 0
        ? (CognitoJwtVerifier.create(
            cognitoPools.map((pool) => ({
              userPoolId: pool.userPoolId,
              clientId: pool.clientIds,
              tokenUse: pool.tokenUse === 'any' ? null : pool.tokenUse,
              graceSeconds,
            })),
            { jwksCache },
          ) as unknown as Verifier)
        : undefined;
    this.local =
      localPools.length > 0
        ? (JwtVerifier.create(
            localPools.map((pool) => ({
              issuer: pool.issuer,
              jwksUri: pool.jwksUri,
              audience: null,
              graceSeconds,
              customJwtCheck: cognitoFieldCheck(pool),
            })),
            { jwksCache },
          ) as unknown as Verifier)
        : undefined;
  }

  /** Loads every JWKS (cold start), so that verification is synchronous from the first request. */
  async hydrate(): Promise<void> {
    await Promise.all([this.cognito?.hydrate(), this.local?.hydrate()]);
  }

  /**
   * The verified payload without waiting, or undefined when the JWKS lacks the token's key (then
   * `verify` fetches it). Throws an `AuthorizationFailure('INVALID_TOKEN')` naming the library's
   * error class for an invalid token.
   */
  verifySync(jwt: string): JwtPayload | undefined {
    const verifier = this.verifierFor(jwt);
    if (!verifier) throw new AuthorizationFailure('INVALID_TOKEN', 'UnknownIssuer');
    try {
      return verifier.verifySync(jwt);
    } catch (error) {
      if (isMissingKey(error)) return undefined;
      throw invalid(error);
    }
  }

  /** The verified payload, fetching the JWKS when it lacks the token's key; failures as `verifySync`. */
  async verify(jwt: string): Promise<JwtPayload> {
    const payload = this.verifySync(jwt);
    if (payload !== undefined) return payload;
    const verifier = this.verifierFor(jwt)!;
    try {
      return await verifier.verify(jwt);
    } catch (error) {
      // The JWKS could not be fetched: our outage, not the caller's fault (500, fail closed).
      if (error instanceof errors.FetchError || !(error instanceof errors.JwtBaseError)) {
        throw new JwksUnavailableError(error);
      }
      throw invalid(error);
    }
  }

  private verifierFor(jwt: string): Verifier | undefined {
    if (!this.local) return this.cognito;
    if (!this.cognito) return this.local;
    return this.localIssuers.has(unverifiedIssuer(jwt) ?? '') ? this.local : this.cognito;
  }
}

/** Answers a pinned pool's JWKS URI from its configuration; every other URI goes to `fetcher`. */
function withPinnedJwks(pools: TrustedPool[], fetcher: Fetcher): Fetcher {
  const pinned = new Map(pools.flatMap((pool) => (pool.jwks ? [[pool.jwksUri, pool.jwks] as const] : [])));
  if (pinned.size === 0) return fetcher;
  return {
    fetch: async (uri) => {
      const jwks = pinned.get(uri);
      return jwks
        ? (new TextEncoder().encode(JSON.stringify(jwks)).buffer as ArrayBuffer)
        : fetcher.fetch(uri);
    },
  };
}

/**
 * What aws-jwt-verify leaves optional: a token must say when it expires (`exp`: one without
 * would be valid forever) and when it was issued (`iat`: sign-out revocation compares it), and
 * not claim to be issued later than now plus the grace (a future `iat` would outlive a sign-out).
 */
export function assertLifetime(payload: JwtPayload, nowMs: number, graceSeconds: number): void {
  if (typeof payload.exp !== 'number') throw new AuthorizationFailure('INVALID_TOKEN', 'no-exp');
  if (typeof payload.iat !== 'number') throw new AuthorizationFailure('INVALID_TOKEN', 'no-iat');
  if (payload.iat - graceSeconds > nowMs / 1000) {
    throw new AuthorizationFailure('INVALID_TOKEN', 'iat-in-future');
  }
}

/** The `iss` of a token before verification, only to pick the verifier that will check it. */
function unverifiedIssuer(jwt: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload?.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}

function isMissingKey(error: unknown): boolean {
  return (
    error instanceof errors.KidNotFoundInJwksError || error instanceof errors.JwksNotAvailableInCacheError
  );
}

/**
 * Log names for the library's errors: class names do not survive minification. Only what these
 * verifiers can throw: no audience check (local verifiers pass `audience: null`, Cognito's checks
 * the client as `client`), no scope or group claim checks; anything else is `other`.
 */
const ERROR_NAMES: Array<[abstract new (...args: never[]) => Error, string]> = [
  [errors.JwtExpiredError, 'expired'],
  [errors.JwtNotBeforeError, 'not-yet-valid'],
  [errors.JwtInvalidIssuerError, 'issuer'],
  [errors.ParameterValidationError, 'issuer'],
  [errors.CognitoJwtInvalidClientIdError, 'client'],
  [errors.CognitoJwtInvalidTokenUseError, 'token-use'],
  [CognitoClaimError, 'cognito-claim'],
  [errors.JwtInvalidSignatureAlgorithmError, 'algorithm'],
  [errors.JwtInvalidSignatureError, 'signature'],
  [errors.JwtWithoutValidKidError, 'kid'],
  [errors.KidNotFoundInJwksError, 'unknown-kid'],
  [errors.WaitPeriodNotYetEndedJwkError, 'unknown-kid-rate-limited'],
  [errors.JwtParseError, 'parse'],
];

function invalid(error: unknown): AuthorizationFailure {
  const known = ERROR_NAMES.find(([type]) => error instanceof type);
  return new AuthorizationFailure('INVALID_TOKEN', known?.[1] ?? 'other');
}
