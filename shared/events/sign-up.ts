import type { StringMap, TriggerEnvelope, UserRequest } from './common.js';

export const preSignUpSources = [
  'PreSignUp_SignUp',
  'PreSignUp_AdminCreateUser',
  'PreSignUp_ExternalProvider',
] as const;
export type PreSignUpSource = (typeof preSignUpSources)[number];

export interface PreSignUpRequest extends UserRequest {
  /** The ValidationData of SignUp / AdminCreateUser: app-supplied, never trusted blindly. */
  validationData?: StringMap | null;
}

/** All three flags are ignored by Cognito for `PreSignUp_AdminCreateUser`. */
export interface PreSignUpResponse {
  autoConfirmUser?: boolean;
  autoVerifyEmail?: boolean;
  autoVerifyPhone?: boolean;
}

export type PreSignUpEvent<S extends PreSignUpSource = PreSignUpSource> = TriggerEnvelope<
  S,
  PreSignUpRequest,
  PreSignUpResponse
>;

export const postConfirmationSources = [
  'PostConfirmation_ConfirmSignUp',
  'PostConfirmation_ConfirmForgotPassword',
] as const;
export type PostConfirmationSource = (typeof postConfirmationSources)[number];

/** Post confirmation has no response fields: Cognito ignores what comes back. */
export type PostConfirmationEvent<S extends PostConfirmationSource = PostConfirmationSource> =
  TriggerEnvelope<S, UserRequest, Record<string, never>>;

export const migrateUserSources = ['UserMigration_Authentication', 'UserMigration_ForgotPassword'] as const;
export type MigrateUserSource = (typeof migrateUserSources)[number];

export interface MigrateUserRequest {
  /** Plaintext password, present only for `UserMigration_Authentication`. Never log it. */
  password?: string;
  validationData?: StringMap | null;
  clientMetadata?: StringMap;
}

/**
 * Closes @types/aws-lambda gap 4: `desiredDeliveryMediums` is optional (default SMS) and
 * `messageAction` admits only `SUPPRESS` for migration (`RESEND` is an AdminCreateUser value).
 */
export interface MigrateUserResponse {
  userAttributes?: StringMap;
  finalUserStatus?: 'CONFIRMED' | 'RESET_REQUIRED';
  messageAction?: 'SUPPRESS';
  desiredDeliveryMediums?: Array<'SMS' | 'EMAIL'>;
  forceAliasCreation?: boolean;
  enableSMSMFA?: boolean;
}

export type MigrateUserEvent<S extends MigrateUserSource = MigrateUserSource> = TriggerEnvelope<
  S,
  MigrateUserRequest,
  MigrateUserResponse
>;

export const inboundFederationSources = ['InboundFederation_ExternalProvider'] as const;
export type InboundFederationSource = (typeof inboundFederationSources)[number];

export type FederationProviderType =
  | 'OIDC'
  | 'SAML'
  | 'Facebook'
  | 'Google'
  | 'SignInWithApple'
  | 'LoginWithAmazon';

/** What the identity provider asserted; which keys are present depends on the provider type. */
export interface FederationAttributes {
  tokenResponse?: Record<string, unknown>;
  idToken?: Record<string, unknown>;
  userInfo?: Record<string, unknown>;
  samlResponse?: Record<string, unknown>;
}

export interface InboundFederationRequest {
  providerName: string;
  providerType: FederationProviderType;
  attributes: FederationAttributes;
}

/** Attributes left out of `userAttributesToMap` are dropped; `{}` keeps them all. */
export interface InboundFederationResponse {
  userAttributesToMap?: StringMap | null;
}

export type InboundFederationEvent = TriggerEnvelope<
  InboundFederationSource,
  InboundFederationRequest,
  InboundFederationResponse
>;
