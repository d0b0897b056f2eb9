import { parseCustomSmsSenderEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Custom SMS sender trigger (all CustomSMSSender_ sources, asynchronous).
 *
 * No policy yet: its issue decrypts the code and sends the SMS. Unchanged, nothing is sent. Until then the core returns the event unchanged, which
 * Cognito treats as its default behaviour.
 */
export const handler = triggerHandler({
  name: 'custom-sms-sender',
  parse: parseCustomSmsSenderEvent,
  core: async (event) => event,
});
