import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { rejection } from '../errors/index.js';
import type { MigrateUserEvent, MigrateUserResponse, StringMap } from '../events/index.js';
import { logger } from '../logging/index.js';
import {
  clearAttempts,
  countFailure,
  identityKey,
  type LockoutPolicy,
  readLockState,
} from '../sign-in/lockout.js';
import { verifiedOrigin } from '../sign-in/origin.js';
import { signInSettings } from '../sign-in/settings.js';
import { keys, userKey } from '../storage/keys.js';
import { documentClient, tableName } from '../storage/table.js';
import { isCommonPassword } from './breached.js';
import { type MigrationSettings, migrationSettings } from './settings.js';
import { type LegacyFields, type LegacyUserStore, legacyStore } from './stores.js';

export { migrationSettingSpecs } from './settings.js';
export { legacyStore } from './stores.js';

/** Every message migrate-user can show a user (the registry in shared/errors). */
const reject = (code: 'MIGRATION_NOT_AUTHORIZED' | 'MIGRATION_PASSWORD_BREACHED' | 'MIGRATION_LOCKED') =>
  rejection(code);

export interface MigrationDependencies {
  settings: MigrationSettings;
  store: LegacyUserStore;
  /** The sign-in lockout (`GATEHOUSE_LOCKOUT_*`): legacy passwords are guessed like any other. */
  lockout: LockoutPolicy;
}

/** What the deployed function runs with; it builds them once, at cold start (a bad setting fails it). */
export const migrationDependencies = (): MigrationDependencies => {
  const settings = migrationSettings();
  return { settings, store: legacyStore(settings), lockout: signInSettings() };
};

/**
 * Migrate user. Authentication: verify the password against the legacy store, check it against
 * the common-password list, answer the mapped attributes with `CONFIRMED` (or `RESET_REQUIRED`
 * when the password is common and the action is `reset`) and `SUPPRESS`, and mark the legacy
 * user migrated. ForgotPassword: answer the user without a password so that Cognito creates it
 * in `RESET_REQUIRED` and sends the reset code. The password is never logged, stored or echoed.
 */
export async function migrateUser(
  event: MigrateUserEvent,
  deps: MigrationDependencies = migrationDependencies(),
): Promise<MigrateUserEvent> {
  const { settings, store } = deps;
  if (event.triggerSource === 'UserMigration_Authentication') {
    const password = event.request.password ?? '';
    const fields = await authenticateCounted(event, password, deps);
    const breached = isCommonPassword(password);
    if (breached) {
      await flagCompromisedCredentials(event.userName);
      logger.info('migrating password is on the common-password list', {
        action: settings.breachedPasswordAction,
      });
      if (settings.breachedPasswordAction === 'refuse') throw reject('MIGRATION_PASSWORD_BREACHED');
    }
    const resetRequired = breached && settings.breachedPasswordAction === 'reset';
    Object.assign(event.response, answer(fields, settings, resetRequired ? 'RESET_REQUIRED' : 'CONFIRMED'));
  } else {
    const fields = await store.lookup(event.userName);
    if (!fields) throw reject('MIGRATION_NOT_AUTHORIZED');
    Object.assign(event.response, answer(fields, settings, 'RESET_REQUIRED'));
  }
  await store.markMigrated(event.userName).catch((error: Error) => {
    logger.warn('could not mark the legacy user migrated', { error: error.name });
  });
  return event;
}

/**
 * The legacy password check under the sign-in lockout: the attempt is counted before the password
 * is verified (concurrent guesses each get their own count), a locked name is refused without
 * verifying anything, and a right password clears the count. Counted under the name (the user
 * has no `sub` yet), the key pre authentication uses for a name Cognito does not know. A user
 * locked out here can still migrate through forgot password (a code to their own address).
 */
async function authenticateCounted(
  event: MigrateUserEvent,
  password: string,
  { store, lockout }: MigrationDependencies,
): Promise<LegacyFields> {
  const now = Date.now();
  const identity = identityKey({ userName: event.userName, request: { userNotFound: true } });
  const origin = verifiedOrigin(
    { userName: event.userName, callerContext: event.callerContext, request: {} },
    event.request.validationData ?? {},
    now,
  );
  const state = await readLockState(identity, origin, lockout, now);
  if (state.locked || (await countFailure(state, lockout, now))) throw reject('MIGRATION_LOCKED');
  const fields = await store.authenticate(event.userName, password);
  if (!fields) throw reject('MIGRATION_NOT_AUTHORIZED');
  await clearAttempts(identity, origin, lockout, now);
  return fields;
}

function answer(
  fields: LegacyFields,
  settings: MigrationSettings,
  finalUserStatus: 'CONFIRMED' | 'RESET_REQUIRED',
): MigrateUserResponse {
  const userAttributes = mapLegacyFields(fields, settings.attributeMap);
  return {
    userAttributes,
    finalUserStatus,
    messageAction: 'SUPPRESS',
    // Where Cognito sends codes (the reset code of a forgot-password migration): SMS is its default.
    desiredDeliveryMediums: userAttributes.email ? ['EMAIL'] : ['SMS'],
  };
}

/**
 * Legacy fields to Cognito attributes by the configured map. Booleans (verified flags) become
 * `"true"`/`"false"`, numbers become strings, empty values and unmapped fields are dropped, and
 * the email is trimmed and lower-cased.
 */
export function mapLegacyFields(fields: LegacyFields, attributeMap: Record<string, string>): StringMap {
  const attributes: StringMap = {};
  for (const [field, attribute] of Object.entries(attributeMap)) {
    const value = fields[field];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' && typeof value !== 'boolean' && typeof value !== 'number') continue;
    attributes[attribute] = attribute === 'email' ? String(value).trim().toLowerCase() : String(value);
  }
  return attributes;
}

/**
 * Tells the risk engine that this user's password is known to attackers:
 * `compromisedCredentials: true` on the user's PROFILE item. The user has no `sub` yet, so
 * the item is keyed by the userName's own key space (`userKey`: `NAME#<lower-cased userName>`), as the key layout says.
 */
async function flagCompromisedCredentials(userName: string) {
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: keys.user(userKey(undefined, userName)), sk: keys.profile() },
      UpdateExpression: 'SET compromisedCredentials = :true',
      ExpressionAttributeValues: { ':true': true },
    }),
  );
}
