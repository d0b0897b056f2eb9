import { sendEmail } from './ses.js';
import { mailSettings } from './settings.js';

/**
 * The one call every mail-sending part of Gatehouse makes. The message layer (templates,
 * locales, branding) decides how each kind reads.
 */
export type MessageKind =
  | 'sign-up-code'
  | 'admin-invitation'
  | 'resend-code'
  | 'forgot-password'
  | 'attribute-update'
  | 'attribute-verification'
  | 'authentication-code'
  | 'magic-link'
  | 'welcome'
  | 'password-changed'
  | 'new-device'
  | 'risk-notification'
  | 'account-takeover';

export interface TemplatedEmail {
  kind: MessageKind;
  to: string;
  /** The user's locale (`pt-BR`); falls back to the default locale. */
  locale?: string;
  /** Values the message shows: `code`, `name`, `link`, `device`, `location`, `time`... Escaped in HTML. */
  values: Record<string, string>;
}

/** Plain English subjects, until the message layer renders branded, localized templates. */
const subjects: Record<MessageKind, string> = {
  'sign-up-code': 'Your verification code',
  'admin-invitation': 'You have been invited',
  'resend-code': 'Your verification code',
  'forgot-password': 'Reset your password',
  'attribute-update': 'Confirm your new address',
  'attribute-verification': 'Verify your address',
  'authentication-code': 'Your sign-in code',
  'magic-link': 'Your sign-in link',
  welcome: 'Welcome',
  'password-changed': 'Your password was changed',
  'new-device': 'New sign-in to your account',
  'risk-notification': 'Unusual sign-in to your account',
  'account-takeover': 'Suspicious activity on your account',
};

/** Renders `mail` and sends it through SES; returns the SES message id. */
export async function sendTemplatedEmail(mail: TemplatedEmail): Promise<string | undefined> {
  const text = Object.entries(mail.values)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n');
  return sendEmail({
    from: mailSettings().fromAddress,
    to: mail.to,
    subject: subjects[mail.kind],
    text,
    html: `<pre>${escapeHtml(text)}</pre>`,
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
