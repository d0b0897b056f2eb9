import * as v from 'valibot';
import { loadSettings, setting } from '../config/settings.js';

/** Settings of the custom email and SMS senders. */
export const senderSettingSpecs = {
  kmsKeyArn: setting({
    env: 'KMS_KEY_ARN',
    schema: v.optional(v.pipe(v.string(), v.regex(/^arn:aws[\w-]*:kms:/, 'must be a KMS key ARN'))),
    default: undefined,
    doc: 'The KMS key Cognito encrypts sender codes with (the KMS keyring decrypts with it only). Set by serverless.yml.',
  }),
  localAesKey: setting({
    env: 'SENDER_LOCAL_AES_KEY',
    schema: v.optional(
      v.pipe(v.string(), v.base64('must be base64'), v.length(44, 'must be 32 bytes (44 base64 characters)')),
    ),
    default: undefined,
    doc: "Local runs only: a raw AES-256 key (base64) that decrypts sender codes instead of KMS (`npm run invoke` sets the samples' key). Refused with KMS_KEY_ARN, which every deployed sender has.",
  }),
  sentMarkerSeconds: setting({
    env: 'SENT_MARKER_TTL_SECONDS',
    schema: v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(86_400)),
    default: 900,
    doc: 'How long a sender remembers an event it delivered, so a retried invocation does not send twice.',
  }),
  smsType: setting({
    env: 'SMS_TYPE',
    schema: v.picklist(['Transactional', 'Promotional']),
    default: 'Transactional',
    doc: 'SNS SMS type of every text (Transactional: highest delivery priority, for codes).',
  }),
  smsSenderId: setting({
    env: 'SMS_SENDER_ID',
    schema: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{1,11}$/, 'must be 1-11 letters or digits'))),
    default: undefined,
    doc: 'SNS sender ID shown on texts where the country supports one; unset = none.',
  }),
};

export type SenderSettings = ReturnType<typeof loadSenderSettings>;

let cached: SenderSettings | undefined;

function loadSenderSettings() {
  return loadSettings(senderSettingSpecs);
}

/** Sender settings, read once per container. */
export function senderSettings(): SenderSettings {
  cached ??= loadSenderSettings();
  return cached;
}
