import { AlbJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import { AlbJwksCache } from 'aws-jwt-verify/alb-cache';
import * as errors from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { AlbJwtPayload, JwtPayload } from 'aws-jwt-verify/jwt-model';
import { AlbKeysUnavailableError, ConfigError, Unauthorized } from '../errors/index.js';

export { AlbKeysUnavailableError } from '../errors/index.js';

import type { AlbEvent } from '../events/alb.js';
import { KeyFetcher } from '../jwt/fetcher.js';
import type { AlbSettings } from './settings.js';

/** Who the load balancer authenticated, from its signed `x-amzn-oidc-data`. */
export interface AlbPrincipal {
  sub: string;
  username: string | undefined;
  email: string | undefined;
  /** Every claim the load balancer signed (the user pool's userinfo). */
  claims: Readonly<Record<string, unknown>>;
  /** The verified access token's claims, when ALB_VERIFY_ACCESS_TOKEN is on. */
  accessToken: Readonly<JwtPayload> | undefined;
  /** The ALB token's `exp`, in epoch seconds. */
  expiresAt: number;
}

/** Why a request was refused; logged, never sent to the caller. */
export type AlbRefusal =
  | 'MISSING'
  | 'SEVERAL'
  | 'INVALID'
  | 'IDENTITY_MISMATCH'
  | 'ACCESS_TOKEN_MISSING'
  | 'ACCESS_TOKEN_INVALID';

/**
 * A 401: the request carries no valid proof of the load balancer's authentication. A
 * `UserFacingError`: "Unauthorized" is the one deliberate answer; the reason stays in the log.
 */
export class AlbUnauthorized extends Unauthorized {
  readonly reason: AlbRefusal;
  /** What the library objected to (`signer`, `expired`, `signature`...), never a claim value. */
  readonly detail: string | undefined;
  constructor(reason: AlbRefusal, detail?: string) {
    super();
    this.name = 'AlbUnauthorized';
    this.reason = reason;
    this.detail = detail;
  }
}

const DATA = 'x-amzn-oidc-data';
const IDENTITY = 'x-amzn-oidc-identity';
const ACCESS_TOKEN = 'x-amzn-oidc-accesstoken';
/** Longer headers are refused before parsing (ALB tokens are about 1 KB). */
const MAX_HEADER_BYTES = 16_384;

export interface AlbVerifierDependencies {
  /** Key fetcher (tests serve the ALB's PEM per kid, and the pool's JWKS, from local servers). */
  fetcher?: Fetcher;
}

/**
 * Verifies the headers an ALB with Cognito authentication adds to a request: `x-amzn-oidc-data`
 * with aws-jwt-verify's `AlbJwtVerifier` (ES256 signature by a key fetched per kid from the
 * ALB's region, signer ARN, client id, issuer, expiry), `x-amzn-oidc-identity` against its
 * `sub`, and optionally `x-amzn-oidc-accesstoken` against the user pool. Build once per container.
 */
export class AlbRequestVerifier {
  private readonly data: { verify(jwt: string): Promise<AlbJwtPayload> };
  private readonly access: { verify(jwt: string): Promise<JwtPayload> } | undefined;

  constructor(settings: AlbSettings, dependencies: AlbVerifierDependencies = {}) {
    const issuer = required(settings);
    const fetcher = dependencies.fetcher ?? new KeyFetcher();
    try {
      this.data = AlbJwtVerifier.create(
        {
          albArn: settings.albArns,
          issuer,
          clientId: settings.clientIds,
          graceSeconds: settings.graceSeconds,
          ...(settings.publicKeysUrl ? { jwksUri: settings.publicKeysUrl.replace(/\/$/, '') } : {}),
        },
        { jwksCache: new AlbJwksCache({ fetcher }) },
      );
    } catch (error) {
      // The library names the bad ARN (its region cannot be read, or ARNs of two regions).
      throw new ConfigError('ALB_ARN (environment)', (error as Error).message);
    }
    this.access = settings.verifyAccessToken
      ? JwtVerifier.create(
          {
            issuer,
            audience: null,
            jwksUri: `${issuer}/.well-known/jwks.json`,
            graceSeconds: settings.graceSeconds,
            customJwtCheck: ({ payload }) => {
              if (payload.token_use !== 'access') throw new AccessTokenClaimError('token_use');
              if (!settings.clientIds.includes(String(payload.client_id))) {
                throw new AccessTokenClaimError('client');
              }
            },
          },
          { jwksCache: new SimpleJwksCache({ fetcher }) },
        )
      : undefined;
  }

  /** The principal of a request the load balancer authenticated; throws `AlbUnauthorized` otherwise. */
  async verify(event: AlbEvent): Promise<AlbPrincipal> {
    const data = oneHeader(event, DATA);
    if (data === undefined) throw new AlbUnauthorized('MISSING');
    const claims = await this.checked(() => this.data.verify(data), 'INVALID');
    if (typeof claims.exp !== 'number') throw new AlbUnauthorized('INVALID', 'no-exp');
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new AlbUnauthorized('INVALID', 'no-sub');
    // Not signed, so only a hint; a different value means the request was tampered with.
    const identity = oneHeader(event, IDENTITY);
    if (identity !== undefined && identity !== claims.sub) throw new AlbUnauthorized('IDENTITY_MISMATCH');
    const accessToken = this.access ? await this.verifyAccessToken(event, claims.sub) : undefined;
    return {
      sub: claims.sub,
      username: stringClaim(claims.username),
      email: stringClaim(claims.email),
      claims,
      accessToken,
      expiresAt: claims.exp,
    };
  }

  private async verifyAccessToken(event: AlbEvent, sub: string): Promise<JwtPayload> {
    const token = oneHeader(event, ACCESS_TOKEN);
    if (token === undefined) throw new AlbUnauthorized('ACCESS_TOKEN_MISSING');
    const verifier = this.access as NonNullable<typeof this.access>;
    const payload = await this.checked(() => verifier.verify(token), 'ACCESS_TOKEN_INVALID');
    if (typeof payload.exp !== 'number') throw new AlbUnauthorized('ACCESS_TOKEN_INVALID', 'no-exp');
    if (payload.sub !== sub) throw new AlbUnauthorized('ACCESS_TOKEN_INVALID', 'other-user');
    return payload;
  }

  private async checked<T>(verify: () => Promise<T>, reason: AlbRefusal): Promise<T> {
    try {
      return await verify();
    } catch (error) {
      // The key server's "no such key" (a forged kid) is the caller's fault; a timeout is ours.
      if (error instanceof errors.NonRetryableFetchError) throw new AlbUnauthorized(reason, 'unknown-kid');
      if (error instanceof errors.FetchError || !(error instanceof errors.JwtBaseError)) {
        throw new AlbKeysUnavailableError(error);
      }
      throw new AlbUnauthorized(reason, detailOf(error));
    }
  }
}

function required(settings: AlbSettings): string {
  if (settings.albArns.length === 0)
    throw new ConfigError('ALB_ARN (environment)', 'required by the ALB verifier');
  if (settings.clientIds.length === 0) {
    throw new ConfigError('ALB_CLIENT_ID (environment)', 'required by the ALB verifier');
  }
  if (!settings.issuer) throw new ConfigError('ALB_ISSUER (environment)', 'required by the ALB verifier');
  return settings.issuer.replace(/\/$/, '');
}

/**
 * The one value of a header, whatever the case of its name, from `headers` or
 * `multiValueHeaders`. Two different values: refused, which one the load balancer set is unknowable.
 */
function oneHeader(event: AlbEvent, name: string): string | undefined {
  const values = new Set<string>();
  for (const map of [event.headers, event.multiValueHeaders]) {
    if (!map || typeof map !== 'object') continue;
    for (const [key, value] of Object.entries(map)) {
      if (key.toLowerCase() !== name) continue;
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item === 'string' && item !== '') values.add(item);
      }
    }
  }
  if (values.size > 1) throw new AlbUnauthorized('SEVERAL', name);
  const [value] = values;
  if (value !== undefined && value.length > MAX_HEADER_BYTES)
    throw new AlbUnauthorized('INVALID', 'too-large');
  return value;
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

class AccessTokenClaimError extends errors.JwtBaseError {
  constructor(claim: string) {
    super(`access token claim check failed: ${claim}`);
    this.name = 'AccessTokenClaimError';
  }
}

/** Log names for the library's errors: class names do not survive minification. */
const DETAILS: Array<[abstract new (...args: never[]) => Error, string]> = [
  [errors.JwtExpiredError, 'expired'],
  [errors.JwtNotBeforeError, 'not-yet-valid'],
  [errors.AlbJwtInvalidSignerError, 'signer'],
  [errors.AlbJwtInvalidClientIdError, 'client'],
  [errors.JwtInvalidIssuerError, 'issuer'],
  [AccessTokenClaimError, 'access-token-claim'],
  [errors.JwtInvalidSignatureAlgorithmError, 'algorithm'],
  [errors.JwtInvalidSignatureError, 'signature'],
  [errors.JwtWithoutValidKidError, 'kid'],
  [errors.KidNotFoundInJwksError, 'unknown-kid'],
  [errors.JwtParseError, 'parse'],
  [errors.JwtInvalidClaimError, 'claim'],
];

function detailOf(error: unknown): string {
  return DETAILS.find(([type]) => error instanceof type)?.[1] ?? 'other';
}
