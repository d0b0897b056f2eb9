import * as v from 'valibot';
import { loadSettings, type Settings, setting } from '../config/settings.js';

const positiveInt = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(max));

/** The operator console: who may use it, which pool it acts on, how much it shows. */
export const consoleSettingSpecs = {
  adminGroup: setting({
    env: 'CONSOLE_ADMIN_GROUP',
    schema: v.pipe(
      v.string(),
      v.regex(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u, 'must be a Cognito group name'),
    ),
    default: 'gatehouse-admins',
    doc: 'The Cognito group whose members may use the operator console; every API call checks it.',
  }),
  userPoolId: setting({
    env: 'CONSOLE_USER_POOL_ID',
    schema: v.optional(v.pipe(v.string(), v.regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a user pool id'))),
    default: undefined,
    doc: 'The user pool the console searches and acts on (set by serverless.yml).',
  }),
  clientId: setting({
    env: 'CONSOLE_CLIENT_ID',
    schema: v.optional(v.pipe(v.string(), v.regex(/^[\w+]{1,128}$/, 'must be an app client id'))),
    default: undefined,
    doc: 'The app client the console page signs operators in with (`USER_PASSWORD_AUTH`, no secret).',
  }),
  historyLimit: setting({
    env: 'CONSOLE_HISTORY_LIMIT',
    schema: positiveInt(500),
    default: 50,
    doc: 'Sign-ins and assessments the console shows per user (newest first).',
  }),
  chartDays: setting({
    env: 'CONSOLE_CHART_DAYS',
    schema: positiveInt(90),
    default: 14,
    doc: 'Days of the sign-ins-by-risk-level charts (the user and the pool).',
  }),
  auditDays: setting({
    env: 'CONSOLE_AUDIT_DAYS',
    schema: positiveInt(3650),
    default: 400,
    doc: "Days an operator action's audit record is kept in the table.",
  }),
};

export type ConsoleSettings = Settings<typeof consoleSettingSpecs>;

let cached: ConsoleSettings | undefined;

/** The console settings, read once per container. */
export function consoleSettings(): ConsoleSettings {
  cached ??= loadSettings(consoleSettingSpecs);
  return cached;
}
