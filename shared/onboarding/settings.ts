import * as v from 'valibot';
import { type Settings, setting, settingsGroup } from '../config/settings.js';

const flag = v.pipe(
  v.union([v.boolean(), v.picklist(['true', 'false'])]),
  v.transform((value) => value === true || value === 'true'),
);

/** Post confirmation settings. */
export const onboardingSettingSpecs = {
  defaultGroups: setting({
    file: 'onboarding.defaultGroups',
    schema: v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
    default: [],
    doc: 'Cognito groups every newly confirmed user is added to (the groups must exist).',
  }),
  sendWelcomeMail: setting({
    env: 'ONBOARDING_WELCOME_MAIL',
    schema: flag,
    default: true,
    doc: 'Send the `welcome` mail after sign-up confirmation (to users with an email).',
  }),
  notifyPasswordChanged: setting({
    env: 'ONBOARDING_PASSWORD_CHANGED_MAIL',
    schema: flag,
    default: true,
    doc: 'Send the `password-changed` mail after ConfirmForgotPassword.',
  }),
  retryWindowSeconds: setting({
    env: 'ONBOARDING_RESET_RETRY_WINDOW_SECONDS',
    schema: v.pipe(v.number(), v.integer(), v.minValue(15), v.maxValue(300)),
    default: 30,
    doc: 'How long after a password reset an identical post-confirmation event counts as a retry of it (Cognito retries a call 3 times, 5 s each); a later one is a new reset, recorded and mailed again.',
  }),
  maxAttempts: setting({
    env: 'ONBOARDING_EFFECT_MAX_ATTEMPTS',
    schema: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20)),
    default: 6,
    doc: 'Attempts at each onboarding effect (a group, a mail), post confirmation and the onboarding sweeper together; then the effect is given up, logged and counted (`OnboardingEffectAbandoned`, alarmed).',
  }),
  blockOnFailure: setting({
    env: 'ONBOARDING_BLOCK_ON_FAILURE',
    schema: flag,
    default: false,
    doc: 'Fail the confirmation when a group or mail step fails (Cognito then reports an error to the user); by default such a step is logged and completed by the onboarding sweeper.',
  }),
};

export type OnboardingSettings = Settings<typeof onboardingSettingSpecs>;

/** Post confirmation settings, read once per container. */
export const onboardingSettings = settingsGroup(onboardingSettingSpecs);
