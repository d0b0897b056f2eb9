import { ConfigError } from '../errors/index.js';
import type { JsonValue } from '../events/index.js';

/** Claims Cognito never lets a pre token generation trigger add, override or suppress. */
export const IMMUTABLE_CLAIMS: ReadonlySet<string> = new Set([
  'sub',
  'iss',
  'exp',
  'iat',
  'nbf',
  'jti',
  'nonce',
  'azp',
  'at_hash',
  'auth_time',
  'acr',
  'amr',
  'token_use',
  'client_id',
  'cognito:username',
  'identities',
  'device_key',
  'event_id',
  'origin_jti',
  'version',
]);

/** The only `cognito:` claims a trigger may touch. */
const MUTABLE_COGNITO_CLAIMS = new Set(['cognito:groups', 'cognito:roles', 'cognito:preferred_role']);

/** ID-token claims that must stay scalar (Cognito refuses complex values for them). */
const SCALAR_ID_CLAIMS = new Set(['email_verified', 'phone_number_verified', 'updated_at', 'address']);

export type TokenKind = 'id' | 'access';

/** Why Cognito would refuse this claim, or undefined when it may be set. */
export function claimProblem(
  name: string,
  value: JsonValue | undefined,
  token: TokenKind,
  clientId?: string,
): string | undefined {
  if (IMMUTABLE_CLAIMS.has(name) || (name.startsWith('cognito:') && !MUTABLE_COGNITO_CLAIMS.has(name))) {
    return `Cognito never lets a trigger change the claim "${name}"`;
  }
  if (name === 'aud') {
    if (token === 'id') return 'the claim "aud" cannot be changed in the ID token';
    if (value !== undefined && (clientId === undefined || value !== clientId)) {
      return 'the claim "aud" may only be set in the access token of a client, equal to that client id';
    }
  }
  if (token === 'id' && SCALAR_ID_CLAIMS.has(name) && value !== null && typeof value === 'object') {
    return `the claim "${name}" cannot take a complex value in the ID token`;
  }
  return undefined;
}

/**
 * Refuses a configured set of claims (to add, or names to suppress) when Cognito would: thrown at
 * cold start as a ConfigError naming the setting and the claim.
 */
export function assertMutableClaims(
  where: string,
  claims: Record<string, JsonValue> | string[] | undefined,
  token: TokenKind,
  clientId?: string,
): void {
  if (!claims) return;
  const entries: [string, JsonValue | undefined][] = Array.isArray(claims)
    ? claims.map((name) => [name, undefined])
    : Object.entries(claims);
  for (const [name, value] of entries) {
    const problem = claimProblem(name, value, token, clientId);
    if (problem) throw new ConfigError(`${where}.${name}`, problem);
  }
}
