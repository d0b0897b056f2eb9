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
