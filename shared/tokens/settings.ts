import * as v from 'valibot';
import {
  type ConfigSources,
  loadSettings,
  type Settings,
  setting,
  settingsGroup,
} from '../config/settings.js';
import type { JsonValue } from '../events/index.js';
import { assertMutableClaims } from './claims-guard.js';

function isJson(value: unknown, depth = 0): value is JsonValue {
  if (depth > 16) return false;
  if (value === null || ['string', 'boolean'].includes(typeof value)) return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
  if (typeof value === 'object') return Object.values(value).every((item) => isJson(item, depth + 1));
  return false;
}

const jsonValue = v.custom<JsonValue>((value) => isJson(value), 'must be a JSON value');
const claimMap = v.record(v.string(), jsonValue);
const scope = v.pipe(v.string(), v.regex(/^\S+$/, 'a scope contains no spaces'));
const names = v.array(v.string());

/** Per app client adjustments of a user's tokens. */
const clientTokenSchema = v.strictObject({
  idTokenClaims: v.optional(claimMap),
  accessTokenClaims: v.optional(claimMap),
  /** Claims left out of this client's ID token (wins over every addition). */
  suppressIdTokenClaims: v.optional(names),
  suppressAccessTokenClaims: v.optional(names),
  /** Only these groups reach this client's tokens (group override). */
  groups: v.optional(names),
  scopesToAdd: v.optional(v.array(scope)),
  scopesToSuppress: v.optional(v.array(scope)),
});
export type ClientTokenRules = v.InferOutput<typeof clientTokenSchema>;

/** A machine-to-machine client (V3 client credentials). */
const machineClientSchema = v.strictObject({
  scopes: v.optional(v.array(scope)),
  claims: v.optional(claimMap),
});
export type MachineClientRules = v.InferOutput<typeof machineClientSchema>;

/** An IAM role ARN (any partition, an optional path), as identity pools accept it. */
const roleArn = v.pipe(
  v.string(),
  v.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN'),
);

/** Group to role, in order of preference: the first entry of a user's groups is the preferred role. */
const groupRolesSchema = v.pipe(
  v.array(v.strictObject({ group: v.pipe(v.string(), v.minLength(1)), roleArn })),
  v.check(
    (entries) => new Set(entries.map((entry) => entry.group)).size === entries.length,
    'lists a group twice (the order decides the preferred role, so each group appears once)',
  ),
);
export type GroupRoles = v.InferOutput<typeof groupRolesSchema>;

/** Pre token generation: enrichment, scopes, per-client rules, machine clients. */
export const tokenSettingSpecs = {
  rolePermissions: setting({
    file: 'tokens.rolePermissions',
    schema: v.record(v.string(), names),
    default: {},
    doc: 'Role (a group, or a role in the profile) to the permissions it grants; the union becomes the `permissions` claim.',
  }),
  roleScopes: setting({
    file: 'tokens.roleScopes',
    schema: v.record(v.string(), v.array(scope)),
    default: {},
    doc: 'Role to the access-token scopes it adds (V2/V3 events).',
  }),
  idTokenClaims: setting({
    file: 'tokens.idTokenClaims',
    schema: claimMap,
    default: {},
    doc: 'Claims added to every ID token (any JSON value in V2/V3; JSON text in V1).',
  }),
  accessTokenClaims: setting({
    file: 'tokens.accessTokenClaims',
    schema: claimMap,
    default: {},
    doc: 'Claims added to every access token of a user (V2/V3 events).',
  }),
  clients: setting({
    file: 'tokens.clients',
    schema: v.record(v.string(), clientTokenSchema),
    default: {},
    doc: 'Per app client id: extra `idTokenClaims`/`accessTokenClaims`, `suppressIdTokenClaims`/`suppressAccessTokenClaims`, allowed `groups`, `scopesToAdd`/`scopesToSuppress`.',
  }),
  machineClients: setting({
    file: 'tokens.machineClients',
    schema: v.record(v.string(), machineClientSchema),
    default: {},
    doc: 'Per machine-to-machine client id (V3 client credentials): `scopes` and `claims` of its access token. No user lookups.',
  }),
  groupRoles: setting({
    file: 'tokens.groupRoles',
    schema: groupRolesSchema,
    default: [],
    doc: "Ordered `[{group, roleArn}]`: the IAM roles of a user's groups become `cognito:roles`, the first one `cognito:preferred_role` (identity pools), ahead of Cognito's own group roles.",
  }),
  riskClaim: setting({
    env: 'GATEHOUSE_TOKENS_RISK_CLAIM',
    schema: v.boolean(),
    default: false,
    doc: 'Adds the latest risk level as the claim `risk_level` (read with the profile in one BatchGetItem).',
  }),
};

export type TokenSettings = Settings<typeof tokenSettingSpecs>;

/** Loads the token settings and refuses any claim Cognito would refuse, naming it. */
export function loadTokenSettings(sources?: ConfigSources): TokenSettings {
  return checkTokenSettings(
    sources ? loadSettings(tokenSettingSpecs, sources) : loadSettings(tokenSettingSpecs),
  );
}

/** Refuses any configured claim Cognito would refuse, naming it. */
function checkTokenSettings(settings: TokenSettings): TokenSettings {
  assertMutableClaims('tokens.idTokenClaims', settings.idTokenClaims, 'id');
  assertMutableClaims('tokens.accessTokenClaims', settings.accessTokenClaims, 'access');
  for (const [clientId, rules] of Object.entries(settings.clients)) {
    const where = `tokens.clients.${clientId}`;
    assertMutableClaims(`${where}.idTokenClaims`, rules.idTokenClaims, 'id', clientId);
    assertMutableClaims(`${where}.accessTokenClaims`, rules.accessTokenClaims, 'access', clientId);
    assertMutableClaims(`${where}.suppressIdTokenClaims`, rules.suppressIdTokenClaims, 'id', clientId);
    assertMutableClaims(
      `${where}.suppressAccessTokenClaims`,
      rules.suppressAccessTokenClaims,
      'access',
      clientId,
    );
  }
  for (const [clientId, rules] of Object.entries(settings.machineClients)) {
    assertMutableClaims(`tokens.machineClients.${clientId}.claims`, rules.claims, 'access', clientId);
  }
  return settings;
}

/** The token settings, read and checked once per container (cold start). */
export const tokenSettings = settingsGroup(tokenSettingSpecs, checkTokenSettings);
