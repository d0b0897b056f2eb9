import * as v from 'valibot';
import { answer, envelope, type NoResponse, userRequest } from './common.js';

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

/** Email fields are honoured only when the pool sends through SES (DEVELOPER). */
export interface CustomMessageResponse {
  smsMessage?: string | null;
  emailMessage?: string | null;
  emailSubject?: string | null;
}

export const customMessageSchema = envelope(
  customMessageSources,
  v.looseObject({
    ...userRequest,
    /** The placeholder Cognito replaces with the code, e.g. `{####}`. Use it verbatim. */
    codeParameter: v.pipe(v.string(), v.minLength(1)),
    /** The placeholder for a verification link, e.g. `{##Click Here##}`. */
    linkParameter: v.optional(v.nullable(v.string())),
    /** The placeholder for the username, e.g. `{username}`; set for AdminCreateUser only. */
    usernameParameter: v.optional(v.nullable(v.string())),
  }),
  answer<CustomMessageResponse>(),
);
export type CustomMessageEvent = v.InferOutput<typeof customMessageSchema>;

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
export type CustomEmailSenderSource = (typeof customEmailSenderSources)[number];

export const customSmsSenderSources = senderSources.map((s) => `CustomSMSSender_${s}` as const);
export type CustomSmsSenderSource = (typeof customSmsSenderSources)[number];

/** The code, encrypted with the pool's KMS key (AWS Encryption SDK, base64). Absent for notifications. */
const encryptedCode = v.optional(v.nullable(v.string()));

/** Asynchronous: Cognito does not wait for nor read a response. */
export const customEmailSenderSchema = envelope(
  customEmailSenderSources,
  v.looseObject({ ...userRequest, type: v.literal('customEmailSenderRequestV1'), code: encryptedCode }),
  answer<NoResponse>(),
);
export type CustomEmailSenderEvent = v.InferOutput<typeof customEmailSenderSchema>;

export const customSmsSenderSchema = envelope(
  customSmsSenderSources,
  v.looseObject({ ...userRequest, type: v.literal('customSMSSenderRequestV1'), code: encryptedCode }),
  answer<NoResponse>(),
);
export type CustomSmsSenderEvent = v.InferOutput<typeof customSmsSenderSchema>;
