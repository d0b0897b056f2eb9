import * as v from 'valibot';
import { type Settings, setting, settingsGroup } from '../config/settings.js';

const positiveInt = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(max));

/** Who may sign in through one app client. Every listed condition must hold. */
const clientRuleSchema = v.strictObject({
  /** The user must belong to at least one of these groups (the profile's `groups`). */
  allowedGroups: v.optional(v.array(v.string())),
  /** Each user attribute must have exactly this value, e.g. `{"custom:tier": "staff"}`. */
  requiredAttributes: v.optional(v.record(v.string(), v.string())),
});
export type ClientRule = v.InferOutput<typeof clientRuleSchema>;

/** Pre and post authentication: lockout, per-client rules, sign-in history and devices. */
export const signInSettingSpecs = {
  lockoutMaxAttempts: setting({
    env: 'GATEHOUSE_LOCKOUT_MAX_ATTEMPTS',
    schema: positiveInt(1000),
    default: 5,
    doc: 'Sign-in attempts without a success allowed per window on one side (familiar / unfamiliar places), counted as a sliding window; the next one locks that side.',
  }),
  lockoutWindowSeconds: setting({
    env: 'GATEHOUSE_LOCKOUT_WINDOW_SECONDS',
    schema: positiveInt(86_400),
    default: 900,
    doc: 'Length of the fixed window in which failed attempts are counted (seconds).',
  }),
  lockoutDurationSeconds: setting({
    env: 'GATEHOUSE_LOCKOUT_DURATION_SECONDS',
    schema: positiveInt(604_800),
    default: 900,
    doc: 'How long a locked side stays locked (seconds); at least until its window has left the sliding count (the end of the next window).',
  }),
  clientRules: setting({
    file: 'signIn.clientRules',
    schema: v.record(v.string(), clientRuleSchema),
    default: {},
    doc: 'Per app client id: `allowedGroups` (Cognito groups, or `groups` in the profile) and `requiredAttributes` a user needs to sign in through it.',
  }),
  historyLimit: setting({
    env: 'GATEHOUSE_SIGN_IN_HISTORY_LIMIT',
    schema: positiveInt(1000),
    default: 50,
    doc: 'Sign-in records kept per user; older ones are deleted after each sign-in.',
  }),
  historyRetentionDays: setting({
    env: 'GATEHOUSE_SIGN_IN_HISTORY_DAYS',
    schema: positiveInt(3650),
    default: 90,
    doc: 'Days a sign-in record lives before it expires (DynamoDB TTL).',
  }),
  deviceRetentionDays: setting({
    env: 'GATEHOUSE_DEVICE_RETENTION_DAYS',
    schema: positiveInt(3650),
    default: 365,
    doc: 'Days a device record, and a familiar place of the lockout, lives after it was last seen.',
  }),
};

export type SignInSettings = Settings<typeof signInSettingSpecs>;

/** The sign-in settings, read once per container. */
export const signInSettings = settingsGroup(signInSettingSpecs);
