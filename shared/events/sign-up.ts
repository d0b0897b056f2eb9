import * as v from 'valibot';
import {
  answer,
  envelope,
  type NoResponse,
  optionalStringMap,
  type StringMap,
  stringMap,
  userRequest,
} from './common.js';

export const preSignUpSources = [
  'PreSignUp_SignUp',
  'PreSignUp_AdminCreateUser',
  'PreSignUp_ExternalProvider',
] as const;
export type PreSignUpSource = (typeof preSignUpSources)[number];

/** All three flags are ignored by Cognito for `PreSignUp_AdminCreateUser`. */
export interface PreSignUpResponse {
  autoConfirmUser?: boolean;
  autoVerifyEmail?: boolean;
  autoVerifyPhone?: boolean;
}

export const preSignUpSchema = envelope(
  preSignUpSources,
  v.looseObject({
    ...userRequest,
    /** The ValidationData of SignUp / AdminCreateUser: app-supplied, never trusted blindly. */
    validationData: optionalStringMap,
  }),
  answer<PreSignUpResponse>(),
);
export type PreSignUpEvent = v.InferOutput<typeof preSignUpSchema>;

export const postConfirmationSources = [
  'PostConfirmation_ConfirmSignUp',
  'PostConfirmation_ConfirmForgotPassword',
] as const;
export type PostConfirmationSource = (typeof postConfirmationSources)[number];

/** Post confirmation has no response fields: Cognito ignores what comes back. */
export const postConfirmationSchema = envelope(
  postConfirmationSources,
  v.looseObject(userRequest),
  answer<NoResponse>(),
);
export type PostConfirmationEvent = v.InferOutput<typeof postConfirmationSchema>;

export const migrateUserSources = ['UserMigration_Authentication', 'UserMigration_ForgotPassword'] as const;
export type MigrateUserSource = (typeof migrateUserSources)[number];

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

export const migrateUserSchema = envelope(
  migrateUserSources,
  v.looseObject({
    /** Plaintext password, present only for `UserMigration_Authentication`. Never log it. */
    password: v.optional(v.string()),
    validationData: optionalStringMap,
    clientMetadata: v.optional(stringMap),
  }),
  answer<MigrateUserResponse>(),
);
export type MigrateUserEvent = v.InferOutput<typeof migrateUserSchema>;

export const inboundFederationSources = ['InboundFederation_ExternalProvider'] as const;
export type InboundFederationSource = (typeof inboundFederationSources)[number];

/** Attributes left out of `userAttributesToMap` are dropped; `{}` keeps them all. */
export interface InboundFederationResponse {
  userAttributesToMap?: StringMap | null;
}

const claims = v.optional(v.record(v.string(), v.unknown()));

export const inboundFederationSchema = envelope(
  inboundFederationSources,
  v.looseObject({
    providerName: v.string(),
    providerType: v.picklist(['OIDC', 'SAML', 'Facebook', 'Google', 'SignInWithApple', 'LoginWithAmazon']),
    /** What the identity provider asserted; which keys are present depends on the provider type. */
    attributes: v.looseObject({
      tokenResponse: claims,
      idToken: claims,
      userInfo: claims,
      samlResponse: claims,
    }),
  }),
  answer<InboundFederationResponse>(),
);
export type InboundFederationEvent = v.InferOutput<typeof inboundFederationSchema>;
