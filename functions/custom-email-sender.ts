import { cognitoClient } from '../shared/aws/cognito.js';
import { parseCustomEmailSenderEvent } from '../shared/events/parse.js';
import { type OutgoingEmail, sendEmail } from '../shared/mail/ses.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { sendCustomEmail } from '../shared/senders/email-sender.js';
import { senderDependencies } from '../shared/senders/wiring.js';

/**
 * Custom email sender trigger (all CustomEmailSender_ sources, asynchronous): decrypts the code
 * and sends the branded, localized mail through SES, once per event. A failed send throws, so
 * that Lambda's asynchronous retries try again; anything no retry can fix is logged and dropped.
 */
const dependencies = {
  ...senderDependencies(),
  // One SES attempt: the SDK's retry of an attempt SES accepted but answered late would mail twice.
  sendEmail: (mail: OutgoingEmail) => sendEmail(mail, undefined, true),
  cognito: cognitoClient,
};

export const handler = triggerHandler({
  name: 'custom-email-sender',
  parse: parseCustomEmailSenderEvent,
  core: async (event) => {
    await sendCustomEmail(event, dependencies);
    return {};
  },
});
