import type { TriggerEnvelope, UserRequest } from './common.js';

export const customMessageSources = [
  'CustomMessage_SignUp',
  'CustomMessage_AdminCreateUser',
  'CustomMessage_ResendCode',
  'CustomMessage_ForgotPassword',
  'CustomMessage_UpdateUserAttribute',
  'CustomMessage_VerifyUserAttribute',
  'CustomMessage_Authentication',
] as const;
export type CustomMessageSource = (typeof customMessageSources)[number];

export interface CustomMessageRequest extends UserRequest {
  /** The placeholder Cognito replaces with the code, e.g. `{####}`. Use it verbatim. */
  codeParameter: string;
  /** The placeholder for a verification link, e.g. `{##Click Here##}`. */
  linkParameter?: string | null;
  /** The placeholder for the username, e.g. `{username}`; set for AdminCreateUser only. */
  usernameParameter?: string | null;
}

/** Email fields are honoured only when the pool sends through SES (DEVELOPER). */
export interface CustomMessageResponse {
  smsMessage?: string | null;
  emailMessage?: string | null;
  emailSubject?: string | null;
}

export type CustomMessageEvent<S extends CustomMessageSource = CustomMessageSource> = TriggerEnvelope<
  S,
  CustomMessageRequest,
  CustomMessageResponse
>;

const senderSources = [
  'SignUp',
  'ResendCode',
  'ForgotPassword',
  'UpdateUserAttribute',
  'VerifyUserAttribute',
  'AdminCreateUser',
  'Authentication',
] as const;

export const customEmailSenderSources = [
  ...senderSources.map((s) => `CustomEmailSender_${s}` as const),
  'CustomEmailSender_AccountTakeOverNotification',
] as const;
export type CustomEmailSenderSource =
  | `CustomEmailSender_${(typeof senderSources)[number]}`
  | 'CustomEmailSender_AccountTakeOverNotification';

export const customSmsSenderSources = senderSources.map((s) => `CustomSMSSender_${s}` as const);
export type CustomSmsSenderSource = `CustomSMSSender_${(typeof senderSources)[number]}`;

export interface CustomSenderRequest<T extends string> extends UserRequest {
  type: T;
  /** The code, encrypted with the pool's KMS key (AWS Encryption SDK, base64). Absent for notifications. */
  code?: string | null;
}

/** Asynchronous: Cognito does not wait for nor read a response. */
export type CustomEmailSenderEvent = TriggerEnvelope<
  CustomEmailSenderSource,
  CustomSenderRequest<'customEmailSenderRequestV1'>,
  Record<string, never>
>;

export type CustomSmsSenderEvent = TriggerEnvelope<
  CustomSmsSenderSource,
  CustomSenderRequest<'customSMSSenderRequestV1'>,
  Record<string, never>
>;
