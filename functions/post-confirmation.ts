import { parsePostConfirmationEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { onboardingDependencies, postConfirmation } from '../shared/onboarding/index.js';
import { onboardingSettings } from '../shared/onboarding/settings.js';

/**
 * Post confirmation trigger (PostConfirmation_ConfirmSignUp, _ConfirmForgotPassword): profile,
 * default groups and welcome mail, each step once (see `shared/onboarding/`); a security event
 * and an optional notification on a password reset. What it cannot finish within Cognito's 5 s
 * stays in the onboarding outbox for `onboarding-sweeper`.
 */
const settings = onboardingSettings(); // checked at cold start

export const handler = triggerHandler({
  name: 'post-confirmation',
  parse: parsePostConfirmationEvent,
  core: (event) => postConfirmation(event, onboardingDependencies({ settings })),
});
