import type { StringMap, TriggerEnvelope } from './common.js';

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

export interface GroupConfiguration {
  groupsToOverride: string[];
  iamRolesToOverride: string[];
  preferredRole?: string | null;
}

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

export interface TokenGenerationRequestV1 {
  userAttributes: StringMap;
  groupConfiguration: GroupConfiguration;
  clientMetadata?: StringMap;
}

export interface TokenGenerationRequestV2 extends TokenGenerationRequestV1 {
  /** Scopes of the access token to be; Powertools' schema (and AWS's V2/V3 examples) may leave it out. */
  scopes?: string[];
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

export type TokenGenerationV1Event = TriggerEnvelope<
  UserTokenGenerationSource,
  TokenGenerationRequestV1,
  TokenGenerationResponseV1
> & { version: '1' };

export type TokenGenerationV2Event = TriggerEnvelope<
  UserTokenGenerationSource,
  TokenGenerationRequestV2,
  TokenGenerationResponseV2
> & { version: '2' };

/**
 * Closes @types/aws-lambda gap 2: V3 events come from user sign-ins too, not only from
 * `TokenGeneration_ClientCredentials`.
 */
export type TokenGenerationV3UserEvent = TriggerEnvelope<
  UserTokenGenerationSource,
  TokenGenerationRequestV2,
  TokenGenerationResponseV2
> & { version: '3' };

/**
 * Machine to machine: there is no user. `userName` is the app client id, or absent, or null;
 * `userAttributes` and `groupConfiguration` may be missing or null. Read the client from
 * `callerContext.clientId`.
 */
export type TokenGenerationV3ClientCredentialsEvent = Omit<
  TriggerEnvelope<
    ClientCredentialsSource,
    Omit<TokenGenerationRequestV2, 'userAttributes' | 'groupConfiguration' | 'clientMetadata' | 'scopes'> & {
      userAttributes?: StringMap | null;
      groupConfiguration?: GroupConfiguration | null;
      clientMetadata?: StringMap | null;
      scopes?: string[] | null;
    },
    TokenGenerationResponseV2
  >,
  'userName'
> & { version: '3'; userName?: string | null };

export type TokenGenerationV3Event = TokenGenerationV3UserEvent | TokenGenerationV3ClientCredentialsEvent;

export type TokenGenerationEvent = TokenGenerationV1Event | TokenGenerationV2Event | TokenGenerationV3Event;
