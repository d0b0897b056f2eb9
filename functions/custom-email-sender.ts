import { parseCustomEmailSenderEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Custom email sender trigger (all CustomEmailSender_ sources, asynchronous).
 *
 * No policy yet: its issue decrypts the code and sends the mail. Unchanged, nothing is sent. Until then the core returns the event unchanged, which
 * Cognito treats as its default behaviour.
 */
export const handler = triggerHandler({
  name: 'custom-email-sender',
  parse: parseCustomEmailSenderEvent,
  core: async (event) => event,
});
