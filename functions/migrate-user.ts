import { parseMigrateUserEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { migrateUser, migrationDependencies } from '../shared/migration/index.js';
import { contextKeyRefresh } from '../shared/risk/contract.js';

/**
 * Migrate user trigger (UserMigration_Authentication, _ForgotPassword): moves users from the
 * configured legacy store (table or HTTP endpoint) into the pool. See `shared/migration/`.
 */
// Settings and the legacy store built at cold start: a bad setting fails it, not a user's sign-in.
const dependencies = migrationDependencies();

export const handler = triggerHandler({
  name: 'migrate-user',
  parse: parseMigrateUserEvent,
  core: (event) => migrateUser(event, dependencies),
  // The signed context's key, from Secrets Manager in a deployment (shared/risk/contract.ts).
  use: [contextKeyRefresh()],
});
