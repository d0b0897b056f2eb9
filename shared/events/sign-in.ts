import type { StringMap, TriggerEnvelope, UserRequest } from './common.js';

export const preAuthenticationSources = ['PreAuthentication_Authentication'] as const;
export type PreAuthenticationSource = (typeof preAuthenticationSources)[number];

export interface PreAuthenticationRequest extends UserRequest {
  /** Set only when the pool has PreventUserExistenceErrors. */
  userNotFound?: boolean;
  /** The ClientMetadata of InitiateAuth / AdminInitiateAuth. */
  validationData?: StringMap | null;
}

/** Throw to deny; the response has no fields. */
export type PreAuthenticationEvent = TriggerEnvelope<
  PreAuthenticationSource,
  PreAuthenticationRequest,
  Record<string, never>
>;

export const postAuthenticationSources = ['PostAuthentication_Authentication'] as const;
export type PostAuthenticationSource = (typeof postAuthenticationSources)[number];

export interface PostAuthenticationRequest extends UserRequest {
  newDeviceUsed?: boolean;
}

export type PostAuthenticationEvent = TriggerEnvelope<
  PostAuthenticationSource,
  PostAuthenticationRequest,
  Record<string, never>
>;

/**
 * Closes @types/aws-lambda gap 3: the challenge names Cognito actually puts in `session`,
 * including `EMAIL_OTP`, `SOFTWARE_TOKEN_MFA` and `NEW_PASSWORD_REQUIRED`.
 */
export type ChallengeName =
  | 'CUSTOM_CHALLENGE'
  | 'PASSWORD_VERIFIER'
  | 'SMS_MFA'
  | 'EMAIL_OTP'
  | 'SOFTWARE_TOKEN_MFA'
  | 'DEVICE_SRP_AUTH'
  | 'DEVICE_PASSWORD_VERIFIER'
  | 'ADMIN_NO_SRP_AUTH'
  | 'SRP_A'
  | 'NEW_PASSWORD_REQUIRED';

export interface ChallengeResult {
  challengeName: ChallengeName;
  challengeResult: boolean;
  challengeMetadata?: string;
}

export interface CustomAuthRequest extends UserRequest {
  session: ChallengeResult[];
  userNotFound?: boolean;
}

export const defineAuthChallengeSources = ['DefineAuthChallenge_Authentication'] as const;
export type DefineAuthChallengeSource = (typeof defineAuthChallengeSources)[number];

export interface DefineAuthChallengeResponse {
  challengeName?: ChallengeName | null;
  issueTokens?: boolean | null;
  failAuthentication?: boolean | null;
}

export type DefineAuthChallengeEvent = TriggerEnvelope<
  DefineAuthChallengeSource,
  CustomAuthRequest,
  DefineAuthChallengeResponse
>;

export const createAuthChallengeSources = ['CreateAuthChallenge_Authentication'] as const;
export type CreateAuthChallengeSource = (typeof createAuthChallengeSources)[number];

export interface CreateAuthChallengeRequest extends CustomAuthRequest {
  challengeName: ChallengeName;
}

export interface CreateAuthChallengeResponse {
  publicChallengeParameters?: StringMap | null;
  /** Secret: sent to verify-auth-challenge only. Never log it. */
  privateChallengeParameters?: StringMap | null;
  challengeMetadata?: string | null;
}

export type CreateAuthChallengeEvent = TriggerEnvelope<
  CreateAuthChallengeSource,
  CreateAuthChallengeRequest,
  CreateAuthChallengeResponse
>;

export const verifyAuthChallengeSources = ['VerifyAuthChallengeResponse_Authentication'] as const;
export type VerifyAuthChallengeSource = (typeof verifyAuthChallengeSources)[number];

export interface VerifyAuthChallengeRequest extends UserRequest {
  /** Secret: never log it. */
  privateChallengeParameters: StringMap;
  /** Secret: the user's answer. Never log it. */
  challengeAnswer: string;
  userNotFound?: boolean;
}

export interface VerifyAuthChallengeResponse {
  answerCorrect?: boolean | null;
}

export type VerifyAuthChallengeEvent = TriggerEnvelope<
  VerifyAuthChallengeSource,
  VerifyAuthChallengeRequest,
  VerifyAuthChallengeResponse
>;
