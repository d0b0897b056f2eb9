import { parsePostConfirmationEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { onboardingDependencies, postConfirmation } from '../shared/onboarding/index.js';

/**
 * Post confirmation trigger (PostConfirmation_ConfirmSignUp, _ConfirmForgotPassword): profile,
 * default groups and welcome mail, each step once (see `shared/onboarding/`); a security event
 * and an optional notification on a password reset.
 */
export const handler = triggerHandler({
  name: 'post-confirmation',
  parse: parsePostConfirmationEvent,
  core: (event) => postConfirmation(event, onboardingDependencies()),
});
