import { parsePostConfirmationEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Post confirmation trigger (PostConfirmation_ConfirmSignUp, _ConfirmForgotPassword).
 *
 * No policy yet: its issue creates the user's records after confirmation. Until then the core returns the event unchanged, which
 * Cognito treats as its default behaviour.
 */
export const handler = triggerHandler({
  name: 'post-confirmation',
  parse: parsePostConfirmationEvent,
  core: async (event) => event,
});
