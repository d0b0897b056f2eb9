import { renderBranded } from './branding.js';
import type { MessageKind } from './kinds.js';
import { sendEmail } from './ses.js';
import { mailSettings } from './settings.js';

export type { MessageKind } from './kinds.js';

/**
 * The one call every mail-sending part of Gatehouse makes. The message layer (templates,
 * locales, branding) decides how each kind reads.
 */
export interface TemplatedEmail {
  kind: MessageKind;
  to: string;
  /** The user's locale (`pt-BR`); falls back to `pt`, then the default locale, then English. */
  locale?: string;
  /** Values the message shows: `code`, `name`, `link`, `device`, `location`, `time`... Escaped in HTML. */
  values: Record<string, string>;
  /** The caller's deadline: aborts the SES request when it fires. */
  signal?: AbortSignal;
  /** One attempt, no SDK retry: a send that must not be repeated when its outcome is unknown. */
  singleAttempt?: boolean;
}

/** Renders `mail` with the branded, localized templates and sends it through SES; returns the SES message id. */
export async function sendTemplatedEmail(mail: TemplatedEmail): Promise<string | undefined> {
  const settings = mailSettings();
  const message = renderBranded(mail.kind, settings, { locale: mail.locale, values: mail.values });
  return sendEmail(
    {
      from: settings.fromAddress,
      to: mail.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
    },
    mail.signal,
    mail.singleAttempt,
  );
}
