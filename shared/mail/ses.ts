import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { runtimeSettings } from '../config/runtime.js';

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

let client: SESv2Client | undefined;

/** The SES v2 client, created on first use: only functions that mail pay for it. */
export function sesClient(): SESv2Client {
  if (!client) {
    const { region, sesEndpoint } = runtimeSettings();
    client = new SESv2Client({ region, ...(sesEndpoint ? { endpoint: sesEndpoint } : {}) });
  }
  return client;
}

/**
 * Sends one email through SES v2 and returns its message id. `signal` is the caller's deadline:
 * the request is aborted when it fires.
 */
export async function sendEmail(mail: OutgoingEmail, signal?: AbortSignal): Promise<string | undefined> {
  const result = await sesClient().send(
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
