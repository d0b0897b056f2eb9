import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { sesClient } from '../aws/ses.js';

export { sesClient } from '../aws/ses.js';

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

/**
 * Sends one email through SES v2 and returns its message id. `signal`, when given, replaces the
 * invocation's deadline (a claim's shorter lease): the request is aborted when it fires.
 * `singleAttempt`: no SDK retry (an at-most-once send, see `sesClient`).
 */
export async function sendEmail(
  mail: OutgoingEmail,
  signal?: AbortSignal,
  singleAttempt = false,
): Promise<string | undefined> {
  const result = await sesClient({ singleAttempt }).send(
    new SendEmailCommand({
      FromEmailAddress: mail.from,
      Destination: { ToAddresses: [mail.to] },
      Content: {
        Simple: {
          Subject: { Data: mail.subject, Charset: 'UTF-8' },
          Body: { Html: { Data: mail.html, Charset: 'UTF-8' }, Text: { Data: mail.text, Charset: 'UTF-8' } },
        },
      },
    }),
    signal ? { abortSignal: signal } : {},
  );
  return result.MessageId;
}
