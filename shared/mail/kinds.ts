/**
 * Every kind of message Gatehouse sends, and the parts each one has. `sendTemplatedEmail` callers
 * name a kind; the custom message and custom sender triggers map their triggerSource to one.
 */
export const messageKinds = [
  'sign-up-code',
  'admin-invitation',
  'resend-code',
  'forgot-password',
  'attribute-update',
  'attribute-verification',
  'authentication-code',
  'magic-link',
  'welcome',
  'password-changed',
  'new-device',
  'risk-notification',
  'account-takeover',
] as const;

export type MessageKind = (typeof messageKinds)[number];

/**
 * The message kind of each code-message source, by the part of its triggerSource after `_`: the
 * custom message (`CustomMessage_SignUp`) and both custom senders (`CustomEmailSender_SignUp`,
 * `CustomSMSSender_SignUp`) send the same templates for the same event. Written once.
 */
const kindBySourceSuffix = new Map<string, MessageKind>([
  ['SignUp', 'sign-up-code'],
  ['AdminCreateUser', 'admin-invitation'],
  ['ResendCode', 'resend-code'],
  ['ForgotPassword', 'forgot-password'],
  ['UpdateUserAttribute', 'attribute-update'],
  ['VerifyUserAttribute', 'attribute-verification'],
  ['Authentication', 'authentication-code'],
  ['AccountTakeOverNotification', 'account-takeover'],
]);

/** The kind a custom message or custom sender source sends (its source is checked by the event's schema). */
export function messageKindOf(triggerSource: string): MessageKind {
  const kind = kindBySourceSuffix.get(triggerSource.slice(triggerSource.indexOf('_') + 1));
  if (!kind) throw new Error(`no message kind for the trigger source "${triggerSource}"`);
  return kind;
}

/** The parts of one message in one locale. */
export const messageParts = ['subject', 'heading', 'html', 'text', 'sms'] as const;
export type MessagePart = (typeof messageParts)[number];

/** What `compile-templates.ts` produces and the renderer reads. */
export interface CompiledTemplates {
  layout: { html: string; text: string };
  locales: Record<
    string,
    {
      /** Shared phrases (greeting, footer...), themselves templates. */
      common: Record<string, string>;
      messages: Record<string, Record<string, string>>;
    }
  >;
}
