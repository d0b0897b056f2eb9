import * as v from 'valibot';
import { loadSettings, type Settings, setting } from '../config/settings.js';

/** The sign-out endpoint: where Cognito is, and how long its sign-out may take. */
export const signOutSettingSpecs = {
  cognitoEndpoint: setting({
    env: 'COGNITO_ENDPOINT',
    schema: v.optional(v.pipe(v.string(), v.url())),
    default: undefined,
    doc: 'Cognito endpoint override, for local runs (e.g. cognito-local). Unset in AWS.',
  }),
  cognitoTimeoutMs: setting({
    env: 'SIGN_OUT_COGNITO_TIMEOUT_MS',
    schema: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(10_000)),
    default: 1500,
    doc: "How long one GlobalSignOut attempt may take (two attempts at most, inside the function's 5 s).",
  }),
};

export type SignOutSettings = Settings<typeof signOutSettingSpecs>;

let cached: SignOutSettings | undefined;

/** The sign-out settings, read once per container. */
export function signOutSettings(): SignOutSettings {
  cached ??= loadSettings(signOutSettingSpecs);
  return cached;
}
