import type { CustomMessageEvent, CustomMessageResponse, CustomMessageSource } from '../events/messages.js';
import { logger } from '../logging/index.js';
import { renderBranded } from './branding.js';
import { type MessageKind, messageKindOf } from './kinds.js';
import { codeLink, recipientLocale, recipientName } from './recipient.js';
import { escapeHtml } from './render.js';
import type { MailSettings } from './settings.js';

/** Cognito's limits on a custom message (docs/cognito-contracts.md, Custom message). */
export const MESSAGE_LIMITS = { smsCharacters: 140, emailUtf8Bytes: 20_000, subjectCharacters: 140 } as const;

/**
 * The custom message trigger's answer: the branded, localized message for the source, built
 * around the request's own placeholders. Email fields only when the pool sends through SES
 * (`COGNITO_EMAIL_SENDING_ACCOUNT=DEVELOPER`), since Cognito rejects them otherwise. A message
 * that breaks one of Cognito's rules is replaced by a compact one that keeps them, instead of
 * letting Cognito silently fall back to its default text.
 */
export function customMessageResponse(
  event: CustomMessageEvent,
  settings: MailSettings,
): CustomMessageResponse {
  const { request, triggerSource } = event;
  const kind = messageKindOf(triggerSource);
  const code = request.codeParameter;
  const linkBase = kind === 'forgot-password' ? settings.resetUrl : settings.confirmUrl;
  const message = renderBranded(kind, settings, {
    locale: recipientLocale(request),
    values: {
      code,
      username: request.usernameParameter ?? undefined,
      name: recipientName(request.userAttributes),
      link: kind === 'admin-invitation' ? settings.appUrl : linkFor(kind, linkBase, event),
      cognitoLink: settings.cognitoLink ? (request.linkParameter ?? undefined) : undefined,
    },
  });
  const sendsEmail = settings.emailSendingAccount === 'DEVELOPER';
  const answer: CustomMessageResponse = {
    smsMessage: message.sms,
    ...(sendsEmail ? { emailMessage: message.html, emailSubject: message.subject } : {}),
  };
  const problems = messageProblems(triggerSource, request, answer);
  if (problems.length === 0) return answer;
  logger.warn('custom message breaks a Cognito rule, compact message sent', {
    problems,
    kind,
    locale: message.locale,
  });
  return compactMessage(triggerSource, request, message.sms, message.subject, sendsEmail);
}

const CODE_LINK_KINDS: MessageKind[] = [
  'sign-up-code',
  'resend-code',
  'forgot-password',
  'attribute-update',
  'attribute-verification',
];

function linkFor(kind: MessageKind, base: string | undefined, event: CustomMessageEvent): string | undefined {
  if (!CODE_LINK_KINDS.includes(kind)) return undefined;
  return codeLink(base, event.userName, event.request.codeParameter);
}

type Placeholders = Pick<CustomMessageEvent['request'], 'codeParameter' | 'usernameParameter'>;

/** Every Cognito rule the answer breaks, by name (empty when it is valid). */
export function messageProblems(
  source: CustomMessageSource,
  request: Placeholders,
  answer: CustomMessageResponse,
): string[] {
  const required = [request.codeParameter];
  if (source === 'CustomMessage_AdminCreateUser') required.push(request.usernameParameter ?? '{username}');
  const problems: string[] = [];
  const sms = answer.smsMessage ?? '';
  if (required.some((placeholder) => !sms.includes(placeholder))) problems.push('sms-placeholder-missing');
  if (sms.length > MESSAGE_LIMITS.smsCharacters) problems.push('sms-too-long');
  if (answer.emailMessage != null) {
    if (required.some((placeholder) => !answer.emailMessage!.includes(placeholder))) {
      problems.push('email-placeholder-missing');
    }
    if (Buffer.byteLength(answer.emailMessage, 'utf8') > MESSAGE_LIMITS.emailUtf8Bytes)
      problems.push('email-too-long');
    if ((answer.emailSubject ?? '').length > MESSAGE_LIMITS.subjectCharacters)
      problems.push('subject-too-long');
  }
  return problems;
}

/**
 * The fallback: the localized SMS text when it keeps the rules, else the bare placeholders; the
 * email, when sent, is that one line. Always valid, whatever the templates or branding hold.
 */
export function compactMessage(
  source: CustomMessageSource,
  request: Placeholders,
  localizedSms: string,
  subject: string,
  sendsEmail: boolean,
): CustomMessageResponse {
  const bare =
    source === 'CustomMessage_AdminCreateUser'
      ? `${request.usernameParameter ?? '{username}'} ${request.codeParameter}`
      : request.codeParameter;
  const smsOk = messageProblems(source, request, { smsMessage: localizedSms }).length === 0;
  const sms = smsOk ? localizedSms : bare;
  if (!sendsEmail) return { smsMessage: sms };
  return {
    smsMessage: sms,
    emailMessage: `<p>${escapeHtml(sms)}</p>`,
    emailSubject: [...subject].slice(0, MESSAGE_LIMITS.subjectCharacters).join(''),
  };
}
