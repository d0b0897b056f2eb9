import * as v from 'valibot';
import { type Settings, setting, settingsGroup } from '../config/settings.js';
import { describeHash } from './hashes.js';

/** Migrate-user settings. */
export const migrationSettingSpecs = {
  source: setting({
    env: 'MIGRATION_SOURCE',
    schema: v.picklist(['dynamodb', 'http']),
    default: 'dynamodb',
    doc: 'Where legacy users live: `dynamodb` (`LEGACY#<username>` items of the table) or `http` (the legacy endpoint).',
  }),
  httpUrl: setting({
    env: 'MIGRATION_HTTP_URL',
    schema: v.optional(v.pipe(v.string(), v.url())),
    default: undefined,
    doc: 'The legacy endpoint (POST, JSON) when `MIGRATION_SOURCE=http`.',
  }),
  httpAuthorization: setting({
    env: 'MIGRATION_HTTP_AUTHORIZATION',
    schema: v.optional(v.pipe(v.string(), v.minLength(1))),
    default: undefined,
    doc: 'Value of the `Authorization` header sent to the legacy endpoint, for local runs; a deployment reads it from Secrets Manager (`MIGRATION_HTTP_AUTHORIZATION_SECRET_ID`).',
  }),
  httpAuthorizationSecretId: setting({
    env: 'MIGRATION_HTTP_AUTHORIZATION_SECRET_ID',
    schema: v.optional(v.pipe(v.string(), v.minLength(1))),
    default: undefined,
    doc: 'Secrets Manager secret (name or ARN) holding that `Authorization` value in a deployment. Set by serverless.yml from `legacyAuthorizationSecretName`.',
  }),
  httpTimeoutMs: setting({
    env: 'MIGRATION_HTTP_TIMEOUT_MS',
    schema: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(4000)),
    default: 2500,
    doc: "Timeout of one call to the legacy endpoint; at most 4000 so the answer fits Cognito's 5-second budget.",
  }),
  breachedPasswordAction: setting({
    env: 'MIGRATION_BREACHED_PASSWORD_ACTION',
    schema: v.picklist(['allow', 'reset', 'refuse']),
    default: 'reset',
    doc: 'A migrating password on the common/breached list: `allow`, `reset` (finalUserStatus RESET_REQUIRED) or `refuse`.',
  }),
  timingHash: setting({
    env: 'MIGRATION_TIMING_HASH',
    schema: v.pipe(
      v.string(),
      v.check(
        (hash) => describeHash(hash) !== undefined,
        'must be a bcrypt, argon2id, scrypt or PBKDF2 hash',
      ),
    ),
    // bcrypt cost 10 of a random string nobody knows.
    default: '$2b$10$CgcPVusezB0uYEaPS6TzgeLZUcbccu80PM1CFihKvAsN.kRsn2Ope',
    doc: 'Hash verified for unknown users so they take as long as a wrong password: give it the algorithm and cost of your legacy hashes.',
  }),
  attributeMap: setting({
    file: 'migration.attributeMap',
    schema: v.record(v.string(), v.pipe(v.string(), v.minLength(1))),
    default: {
      email: 'email',
      emailVerified: 'email_verified',
      phone: 'phone_number',
      phoneVerified: 'phone_number_verified',
      givenName: 'given_name',
      familyName: 'family_name',
      name: 'name',
      locale: 'locale',
    } as Record<string, string>,
    doc: 'Legacy field → Cognito attribute; fields not listed are not migrated.',
  }),
};

export type MigrationSettings = Settings<typeof migrationSettingSpecs>;

/** Migrate-user settings, read once per container. */
export const migrationSettings = settingsGroup(migrationSettingSpecs);
