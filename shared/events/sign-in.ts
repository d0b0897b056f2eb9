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

export const preAuthenticationSources = ['PreAuthentication_Authentication'] as const;
export type PreAuthenticationSource = (typeof preAuthenticationSources)[number];

/** Throw to deny; the response has no fields. */
export const preAuthenticationSchema = envelope(
  preAuthenticationSources,
  v.looseObject({
    ...userRequest,
    /** Set only when the pool has PreventUserExistenceErrors. */
    userNotFound: v.optional(v.boolean()),
    /** The ClientMetadata of InitiateAuth / AdminInitiateAuth. */
    validationData: optionalStringMap,
  }),
  answer<NoResponse>(),
);
export type PreAuthenticationEvent = v.InferOutput<typeof preAuthenticationSchema>;

export const postAuthenticationSources = ['PostAuthentication_Authentication'] as const;
export type PostAuthenticationSource = (typeof postAuthenticationSources)[number];

export const postAuthenticationSchema = envelope(
  postAuthenticationSources,
  v.looseObject({ ...userRequest, newDeviceUsed: v.optional(v.boolean()) }),
  answer<NoResponse>(),
);
export type PostAuthenticationEvent = v.InferOutput<typeof postAuthenticationSchema>;

/**
 * Closes @types/aws-lambda gap 3: the challenge names Cognito actually puts in `session`,
 * including `EMAIL_OTP`, `SOFTWARE_TOKEN_MFA` and `NEW_PASSWORD_REQUIRED`.
 */
const challengeName = v.picklist([
  'CUSTOM_CHALLENGE',
  'PASSWORD_VERIFIER',
  'SMS_MFA',
  'EMAIL_OTP',
  'SOFTWARE_TOKEN_MFA',
  'DEVICE_SRP_AUTH',
  'DEVICE_PASSWORD_VERIFIER',
  'ADMIN_NO_SRP_AUTH',
  'SRP_A',
  'NEW_PASSWORD_REQUIRED',
]);
export type ChallengeName = v.InferOutput<typeof challengeName>;

const challengeResult = v.looseObject({
  challengeName,
  challengeResult: v.boolean(),
  challengeMetadata: v.optional(v.nullable(v.string()), undefined),
});
export type ChallengeResult = v.InferOutput<typeof challengeResult>;

const customAuthRequest = {
  ...userRequest,
  session: v.array(challengeResult),
  userNotFound: v.optional(v.boolean()),
};

export const defineAuthChallengeSources = ['DefineAuthChallenge_Authentication'] as const;
export type DefineAuthChallengeSource = (typeof defineAuthChallengeSources)[number];

export interface DefineAuthChallengeResponse {
  challengeName?: ChallengeName | null;
  issueTokens?: boolean | null;
  failAuthentication?: boolean | null;
}

export const defineAuthChallengeSchema = envelope(
  defineAuthChallengeSources,
  v.looseObject(customAuthRequest),
  answer<DefineAuthChallengeResponse>(),
);
export type DefineAuthChallengeEvent = v.InferOutput<typeof defineAuthChallengeSchema>;

export const createAuthChallengeSources = ['CreateAuthChallenge_Authentication'] as const;
export type CreateAuthChallengeSource = (typeof createAuthChallengeSources)[number];

export interface CreateAuthChallengeResponse {
  publicChallengeParameters?: StringMap | null;
  /** Secret: sent to verify-auth-challenge only. Never log it. */
  privateChallengeParameters?: StringMap | null;
  challengeMetadata?: string | null;
}

export const createAuthChallengeSchema = envelope(
  createAuthChallengeSources,
  v.looseObject({ ...customAuthRequest, challengeName }),
  answer<CreateAuthChallengeResponse>(),
);
export type CreateAuthChallengeEvent = v.InferOutput<typeof createAuthChallengeSchema>;

export const verifyAuthChallengeSources = ['VerifyAuthChallengeResponse_Authentication'] as const;
export type VerifyAuthChallengeSource = (typeof verifyAuthChallengeSources)[number];

export interface VerifyAuthChallengeResponse {
  answerCorrect?: boolean | null;
}

export const verifyAuthChallengeSchema = envelope(
  verifyAuthChallengeSources,
  v.looseObject({
    ...userRequest,
    /** Secret: never log it. */
    privateChallengeParameters: stringMap,
    /** Secret: the user's answer. Never log it. */
    challengeAnswer: v.string(),
    userNotFound: v.optional(v.boolean()),
  }),
  answer<VerifyAuthChallengeResponse>(),
);
export type VerifyAuthChallengeEvent = v.InferOutput<typeof verifyAuthChallengeSchema>;
