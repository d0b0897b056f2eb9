import { parsePreSignUpEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Pre sign-up trigger (PreSignUp_SignUp, _AdminCreateUser, _ExternalProvider).
 *
 * No policy yet: its issue decides whether a sign-up may proceed and whether to auto-confirm or auto-verify. Until then the core returns the event unchanged, which
 * Cognito treats as its default behaviour.
 */
export const handler = triggerHandler({
  name: 'pre-sign-up',
  parse: parsePreSignUpEvent,
  core: async (event) => event,
});
