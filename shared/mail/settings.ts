import * as v from 'valibot';
import { loadSettings, setting } from '../config/settings.js';

export const mailSettingSpecs = {
  fromAddress: setting({
    env: 'SES_FROM_ADDRESS',
    schema: v.pipe(v.string(), v.email()),
    default: 'no-reply@example.com',
    doc: 'The From address of every mail; must be a verified SES identity (IAM allows only it).',
  }),
};

let cached: ReturnType<typeof loadMailSettings> | undefined;

function loadMailSettings() {
  return loadSettings(mailSettingSpecs);
}

/** Mail settings, read once per container. */
export function mailSettings() {
  cached ??= loadMailSettings();
  return cached;
}
