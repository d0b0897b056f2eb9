import { parseMigrateUserEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { migrateUser } from '../shared/migration/index.js';
import { contextKeyRefresh } from '../shared/risk/context-key.js';

/**
 * Migrate user trigger (UserMigration_Authentication, _ForgotPassword): moves users from the
 * configured legacy store (table or HTTP endpoint) into the pool. See `shared/migration/`.
 */
export const handler = triggerHandler({
  name: 'migrate-user',
  parse: parseMigrateUserEvent,
  core: (event) => migrateUser(event),
  // The signed context's key, from Secrets Manager in a deployment (shared/risk/context-key.ts).
  use: [contextKeyRefresh()],
});
