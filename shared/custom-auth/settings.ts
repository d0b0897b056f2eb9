import * as v from 'valibot';
import { type Settings, setting, settingsGroup } from '../config/settings.js';

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

/** Custom authentication: one-time codes, magic links, step-up policy. */
export const customAuthSettingSpecs = {
  codeLength: setting({
    env: 'GATEHOUSE_AUTH_CODE_LENGTH',
    schema: int(6, 10),
    default: 6,
    doc: 'Digits of an emailed sign-in code.',
  }),
  codeTtlSeconds: setting({
    env: 'GATEHOUSE_AUTH_CODE_TTL_SECONDS',
    schema: int(30, 3600),
    default: 300,
    doc: 'How long an emailed sign-in code is valid (seconds).',
  }),
  maxAnswers: setting({
    env: 'GATEHOUSE_AUTH_MAX_ANSWERS',
    schema: int(1, 10),
    default: 3,
    doc: 'Wrong answers allowed in one custom-auth session; the last one fails the sign-in.',
  }),
  stepUpPolicy: setting({
    env: 'GATEHOUSE_STEP_UP_POLICY',
    schema: v.picklist(['always', 'never', 'groups']),
    default: 'never',
    doc: 'When a password sign-in (CUSTOM_AUTH with SRP_A) also needs an emailed code: `always`, `never`, or `groups` (members of `customAuth.stepUpGroups`); the risk engine can ask for it too.',
  }),
  stepUpGroups: setting({
    file: 'customAuth.stepUpGroups',
    schema: v.array(v.string()),
    default: [],
    doc: 'With `GATEHOUSE_STEP_UP_POLICY=groups`: Cognito (or profile) groups whose members always get the emailed second factor.',
  }),
  magicLinkSecret: setting({
    env: 'GATEHOUSE_MAGIC_LINK_SECRET',
    schema: v.optional(v.pipe(v.string(), v.minLength(32, 'must be at least 32 characters'))),
    default: undefined,
    doc: 'HMAC key that signs magic links (at least 32 characters), for local runs; a deployment reads it from Secrets Manager (`GATEHOUSE_MAGIC_LINK_SECRET_ID`). Neither: magic links are off and the code is sent instead.',
  }),
  magicLinkSecretId: setting({
    env: 'GATEHOUSE_MAGIC_LINK_SECRET_ID',
    schema: v.optional(v.pipe(v.string(), v.minLength(1))),
    default: undefined,
    doc: 'Secrets Manager secret (name or ARN) holding the magic-link key in a deployment; its AWSPREVIOUS version still verifies during a rotation. Set by serverless.yml from `magicLinkSecretName`.',
  }),
  magicLinkUrl: setting({
    env: 'GATEHOUSE_MAGIC_LINK_URL',
    schema: v.optional(v.pipe(v.string(), v.url())),
    default: undefined,
    doc: "The app's page that completes a magic-link sign-in; the token is appended as the fragment `#token=...`.",
  }),
  magicLinkTtlSeconds: setting({
    env: 'GATEHOUSE_MAGIC_LINK_TTL_SECONDS',
    schema: int(60, 86_400),
    default: 900,
    doc: 'How long a magic link is valid (seconds).',
  }),
};

export type CustomAuthSettings = Settings<typeof customAuthSettingSpecs>;

/** The custom-auth settings, read once per container. */
export const customAuthSettings = settingsGroup(customAuthSettingSpecs);
