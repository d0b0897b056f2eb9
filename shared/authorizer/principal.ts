import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { AuthorizerContext } from '../events/index.js';
import type { Principal } from './routes.js';

/** Who a verified Cognito token speaks for: ID tokens name the client in `aud`, access tokens in `client_id`. */
export function principalOf(payload: JwtPayload): Principal {
  const tokenUse = payload.token_use === 'id' ? 'id' : 'access';
  const groups = payload['cognito:groups'];
  const username = payload.username ?? payload['cognito:username'];
  const client = tokenUse === 'id' ? payload.aud : payload.client_id;
  return {
    sub: String(payload.sub ?? ''),
    username: typeof username === 'string' ? username : undefined,
    groups: Array.isArray(groups) ? onlyStrings(groups) : [],
    scopes: typeof payload.scope === 'string' ? scopesOf(payload.scope) : [],
    clientId: typeof client === 'string' ? client : undefined,
    tokenUse,
    claims: payload,
  };
}

/**
 * The strings of a claim's list: the list itself when it holds nothing else (every honest token),
 * so that a fresh token's verification copies nothing. Read-only from here on.
 */
function onlyStrings(list: unknown[]): readonly string[] {
  for (const item of list) {
    if (typeof item !== 'string') return list.filter((g): g is string => typeof g === 'string');
  }
  return list as string[];
}

/** The scopes of `scope`: space-separated, empty parts (doubled or edge spaces) left out. */
function scopesOf(scope: string): string[] {
  const scopes = scope.split(' ');
  return scopes.includes('') ? scopes.filter(Boolean) : scopes;
}

/**
 * The context the backend receives: API Gateway admits only strings, numbers and booleans (and
 * delivers them as strings), so lists are joined (groups with `,`, scopes with a space, as in
 * the token) and absent values are left out. `claims` is never a key (reserved in HTTP API 1.0).
 */
export function contextOf(principal: Principal, tenantClaim: string): AuthorizerContext {
  const context: AuthorizerContext = { sub: principal.sub, tokenUse: principal.tokenUse };
  if (principal.username !== undefined) context.username = principal.username;
  context.groups = principal.groups.join(',');
  context.scopes = principal.scopes.join(' ');
  if (principal.clientId !== undefined) context.clientId = principal.clientId;
  const tenant = flat(principal.claims[tenantClaim]);
  if (tenant !== undefined) context.tenant = tenant;
  const risk = flat(principal.claims.risk_level);
  if (risk !== undefined) context.riskLevel = risk;
  return context;
}

function flat(value: unknown): string | number | boolean | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) return value.map(String).join(',');
  return value === undefined || value === null ? undefined : JSON.stringify(value);
}
