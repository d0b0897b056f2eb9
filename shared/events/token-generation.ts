import * as v from 'valibot';
import { answer, envelope, type StringMap, stringMap, userRequest } from './common.js';

/** Sources of a user's sign-in. Every version receives them. */
export const userTokenGenerationSources = [
  'TokenGeneration_HostedAuth',
  'TokenGeneration_Authentication',
  'TokenGeneration_NewPasswordChallenge',
  'TokenGeneration_AuthenticateDevice',
  'TokenGeneration_RefreshTokens',
] as const;
export type UserTokenGenerationSource = (typeof userTokenGenerationSources)[number];

/** Machine to machine: only the V3 event carries it, and it has no user. */
export const clientCredentialsSource = 'TokenGeneration_ClientCredentials' as const;
export type ClientCredentialsSource = typeof clientCredentialsSource;

export const tokenGenerationSources = [...userTokenGenerationSources, clientCredentialsSource] as const;
export type TokenGenerationSource = (typeof tokenGenerationSources)[number];

const groupConfiguration = v.looseObject({
  groupsToOverride: v.array(v.string()),
  iamRolesToOverride: v.array(v.string()),
  preferredRole: v.optional(v.nullable(v.string())),
});
export type GroupConfiguration = v.InferOutput<typeof groupConfiguration>;

export interface GroupOverrideDetails {
  groupsToOverride?: string[];
  iamRolesToOverride?: string[];
  preferredRole?: string;
}

/**
 * A claim value. Closes @types/aws-lambda gap 1: V2/V3 accept any JSON type, not only strings
 * (V1 stays string-only).
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface TokenClaimsOverride<V> {
  claimsToAddOrOverride?: Record<string, V>;
  claimsToSuppress?: string[];
}

export interface AccessTokenOverride extends TokenClaimsOverride<JsonValue> {
  /** Values contain no spaces. */
  scopesToAdd?: string[];
  scopesToSuppress?: string[];
}

export interface TokenGenerationResponseV1 {
  claimsOverrideDetails?: {
    claimsToAddOrOverride?: StringMap;
    claimsToSuppress?: string[];
    groupOverrideDetails?: GroupOverrideDetails;
  } | null;
}

export interface ClaimsAndScopeOverrideDetails {
  idTokenGeneration?: TokenClaimsOverride<JsonValue>;
  accessTokenGeneration?: AccessTokenOverride;
  groupOverrideDetails?: GroupOverrideDetails;
}

export interface TokenGenerationResponseV2 {
  claimsAndScopeOverrideDetails?: ClaimsAndScopeOverrideDetails | null;
}

/** Event version strings; the pool's `LambdaVersion` (V1_0, V2_0, V3_0) chooses which one arrives. */
export type TokenGenerationVersion = '1' | '2' | '3';

const tokenRequestV1 = { ...userRequest, groupConfiguration };

/** A user's token generation event: the envelope every version shares, its request, its version. */
function userTokenGeneration<
  V extends TokenGenerationVersion,
  R extends v.ObjectEntries,
  A extends v.GenericSchema,
>(version: V, request: R, response: A) {
  return v.looseObject({
    ...envelope(userTokenGenerationSources, v.looseObject(request), response).entries,
    version: v.literal(version),
  });
}

/** Scopes of the access token to be; Powertools' schema (and AWS's V2/V3 examples) may leave it out. */
const scopes = v.optional(v.array(v.string()));

const tokenGenerationV1Schema = userTokenGeneration('1', tokenRequestV1, answer<TokenGenerationResponseV1>());
export type TokenGenerationV1Event = v.InferOutput<typeof tokenGenerationV1Schema>;

const tokenGenerationV2Schema = userTokenGeneration(
  '2',
  { ...tokenRequestV1, scopes },
  answer<TokenGenerationResponseV2>(),
);
export type TokenGenerationV2Event = v.InferOutput<typeof tokenGenerationV2Schema>;

/**
 * Closes @types/aws-lambda gap 2: V3 events come from user sign-ins too, not only from
 * `TokenGeneration_ClientCredentials`. Its user attributes and groups may be left out.
 */
const tokenGenerationV3UserSchema = userTokenGeneration(
  '3',
  {
    userAttributes: v.optional(stringMap),
    groupConfiguration: v.optional(groupConfiguration),
    clientMetadata: v.optional(stringMap),
    scopes,
  },
  answer<TokenGenerationResponseV2>(),
);
export type TokenGenerationV3UserEvent = v.InferOutput<typeof tokenGenerationV3UserSchema>;

/**
 * Machine to machine: there is no user. Cognito's own sample gives `userName` as the client
 * id, but it may be absent or null, and `userAttributes` / `groupConfiguration` may be missing or
 * null; none of them is read for this source (read the client from `callerContext.clientId`).
 */
const tokenGenerationV3ClientCredentialsSchema = v.looseObject({
  ...envelope([clientCredentialsSource], v.looseObject({}), answer<TokenGenerationResponseV2>()).entries,
  userName: v.nullish(v.string()),
  request: v.looseObject({
    userAttributes: v.nullish(stringMap),
    groupConfiguration: v.nullish(groupConfiguration),
    clientMetadata: v.nullish(stringMap),
    scopes: v.nullish(v.array(v.string())),
  }),
  version: v.literal('3'),
});
export type TokenGenerationV3ClientCredentialsEvent = v.InferOutput<
  typeof tokenGenerationV3ClientCredentialsSchema
>;

export type TokenGenerationV3Event = TokenGenerationV3UserEvent | TokenGenerationV3ClientCredentialsEvent;

export const tokenGenerationSchema = v.variant('version', [
  tokenGenerationV1Schema,
  tokenGenerationV2Schema,
  v.variant('triggerSource', [tokenGenerationV3UserSchema, tokenGenerationV3ClientCredentialsSchema]),
]);
export type TokenGenerationEvent = v.InferOutput<typeof tokenGenerationSchema>;
