import { ownValue } from '../config/lookup.js';
import type {
  ClaimsAndScopeOverrideDetails,
  GroupOverrideDetails,
  JsonValue,
  TokenGenerationEvent,
  TokenGenerationV3ClientCredentialsEvent,
} from '../events/index.js';
import { stringList } from '../storage/items.js';
import { userKey } from '../storage/keys.js';
import { readTokenSubject, type TokenSubject } from './enrichment.js';
import { groupOverride } from './group-roles.js';
import type { TokenSettings } from './settings.js';

type Claims = Record<string, JsonValue>;

/** What the tokens of one user sign-in should say, before it is shaped for the event's version. */
export interface TokenPlan {
  idClaims: Claims;
  idSuppress: string[];
  accessClaims: Claims;
  accessSuppress: string[];
  scopesToAdd: string[];
  scopesToSuppress: string[];
  groupOverride?: GroupOverrideDetails;
}

/**
 * Pre token generation for every version and source: machine clients from configuration only;
 * users from their profile (one read), their groups, and the configured maps.
 */
export async function preTokenGeneration<E extends TokenGenerationEvent>(
  event: E,
  settings: TokenSettings,
): Promise<E> {
  if (event.triggerSource === 'TokenGeneration_ClientCredentials') {
    return clientCredentials(event as TokenGenerationV3ClientCredentialsEvent, settings) as E;
  }
  const user = event as Exclude<TokenGenerationEvent, TokenGenerationV3ClientCredentialsEvent>;
  const subject = await readTokenSubject(
    userKey(user.request.userAttributes, user.userName),
    settings.riskClaim,
  );
  const plan = planUserTokens(
    {
      clientId: user.callerContext.clientId,
      groups: user.request.groupConfiguration?.groupsToOverride ?? [],
      groupConfiguration: user.request.groupConfiguration,
      requestedScopes: (user.version === '1' ? undefined : user.request.scopes) ?? [],
    },
    subject,
    settings,
  );
  if (user.version === '1') {
    user.response.claimsOverrideDetails = {
      claimsToAddOrOverride: stringifyClaims(plan.idClaims),
      ...(plan.idSuppress.length ? { claimsToSuppress: plan.idSuppress } : {}),
      ...(plan.groupOverride ? { groupOverrideDetails: plan.groupOverride } : {}),
    };
  } else {
    user.response.claimsAndScopeOverrideDetails = v2Details(plan);
  }
  return event;
}

interface UserTokenInput {
  clientId: string;
  groups: string[];
  groupConfiguration?: {
    groupsToOverride: string[];
    iamRolesToOverride: string[];
    preferredRole?: string | null;
  };
  requestedScopes: string[];
}

/** The pure part: claims, suppressions, scopes and group override of a user's tokens. */
export function planUserTokens(
  input: UserTokenInput,
  subject: TokenSubject,
  settings: TokenSettings,
): TokenPlan {
  const client = ownValue(settings.clients, input.clientId);
  const groups = client?.groups
    ? input.groups.filter((group) => client.groups?.includes(group))
    : input.groups;
  const roles = unique([...groups, ...stringList(subject.profile?.roles)]);
  const permissions = unique(roles.flatMap((role) => ownValue(settings.rolePermissions, role) ?? []));

  const enriched: Claims = {};
  if (subject.profile?.tenantId) enriched.tenant_id = subject.profile.tenantId;
  if (roles.length) enriched.roles = roles;
  if (permissions.length) enriched.permissions = permissions;
  if (subject.riskLevel) enriched.risk_level = subject.riskLevel;

  const idSuppress = unique(client?.suppressIdTokenClaims ?? []);
  const accessSuppress = unique(client?.suppressAccessTokenClaims ?? []);
  const scopesToSuppress = unique(client?.scopesToSuppress ?? []);
  const requested = new Set(input.requestedScopes);
  const scopesToAdd = unique([
    ...roles.flatMap((role) => ownValue(settings.roleScopes, role) ?? []),
    ...(client?.scopesToAdd ?? []),
  ]).filter((scope) => !requested.has(scope) && !scopesToSuppress.includes(scope));

  const groupsFiltered = client?.groups !== undefined && groups.length !== input.groups.length;
  const override = groupOverride(groups, input.groupConfiguration, groupsFiltered, settings.groupRoles);
  return {
    // Suppression wins over addition, as Cognito applies it: suppressed claims are not added either.
    idClaims: without({ ...settings.idTokenClaims, ...client?.idTokenClaims, ...enriched }, idSuppress),
    idSuppress,
    accessClaims: without(
      { ...settings.accessTokenClaims, ...client?.accessTokenClaims, ...enriched },
      accessSuppress,
    ),
    accessSuppress,
    scopesToAdd,
    scopesToSuppress,
    ...(override ? { groupOverride: override } : {}),
  };
}

function v2Details(plan: TokenPlan): ClaimsAndScopeOverrideDetails {
  return {
    idTokenGeneration: {
      claimsToAddOrOverride: plan.idClaims,
      ...(plan.idSuppress.length ? { claimsToSuppress: plan.idSuppress } : {}),
    },
    accessTokenGeneration: {
      claimsToAddOrOverride: plan.accessClaims,
      ...(plan.accessSuppress.length ? { claimsToSuppress: plan.accessSuppress } : {}),
      ...(plan.scopesToAdd.length ? { scopesToAdd: plan.scopesToAdd } : {}),
      ...(plan.scopesToSuppress.length ? { scopesToSuppress: plan.scopesToSuppress } : {}),
    },
    ...(plan.groupOverride ? { groupOverrideDetails: plan.groupOverride } : {}),
  };
}

/** Machine to machine: the client's configured scopes and claims; nothing is looked up. */
function clientCredentials(
  event: TokenGenerationV3ClientCredentialsEvent,
  settings: TokenSettings,
): TokenGenerationV3ClientCredentialsEvent {
  const rules = ownValue(settings.machineClients, event.callerContext.clientId);
  if (!rules) return event;
  const requested = new Set(event.request.scopes ?? []);
  const scopesToAdd = unique(rules.scopes ?? []).filter((scope) => !requested.has(scope));
  event.response.claimsAndScopeOverrideDetails = {
    accessTokenGeneration: {
      claimsToAddOrOverride: { ...rules.claims },
      ...(scopesToAdd.length ? { scopesToAdd } : {}),
    },
  };
  return event;
}

/** V1 claims are strings: non-string values travel as JSON text. */
export function stringifyClaims(claims: Claims): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );
}

function without(claims: Claims, suppressed: string[]): Claims {
  for (const name of suppressed) delete claims[name];
  return claims;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
