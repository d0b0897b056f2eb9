import type { CustomEmailSenderSource, CustomSmsSenderSource } from '../events/messages.js';
import type { MessageKind } from '../mail/kinds.js';

/** The message kind each custom sender source sends (the same templates as the custom message). */
export const senderKinds: Record<CustomEmailSenderSource | CustomSmsSenderSource, MessageKind> = {
  CustomEmailSender_SignUp: 'sign-up-code',
  CustomEmailSender_ResendCode: 'resend-code',
  CustomEmailSender_ForgotPassword: 'forgot-password',
  CustomEmailSender_UpdateUserAttribute: 'attribute-update',
  CustomEmailSender_VerifyUserAttribute: 'attribute-verification',
  CustomEmailSender_AdminCreateUser: 'admin-invitation',
  CustomEmailSender_Authentication: 'authentication-code',
  CustomEmailSender_AccountTakeOverNotification: 'account-takeover',
  CustomSMSSender_SignUp: 'sign-up-code',
  CustomSMSSender_ResendCode: 'resend-code',
  CustomSMSSender_ForgotPassword: 'forgot-password',
  CustomSMSSender_UpdateUserAttribute: 'attribute-update',
  CustomSMSSender_VerifyUserAttribute: 'attribute-verification',
  CustomSMSSender_AdminCreateUser: 'admin-invitation',
  CustomSMSSender_Authentication: 'authentication-code',
};
