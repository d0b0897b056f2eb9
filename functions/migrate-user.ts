import { parseMigrateUserEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Migrate user trigger (UserMigration_Authentication, _ForgotPassword).
 *
 * No policy yet: its issue moves users from a legacy store into the pool. Returning the event unchanged answers no user, so Cognito reports UserNotFoundException. Until then the core returns the event unchanged, which
 * Cognito treats as its default behaviour.
 */
export const handler = triggerHandler({
  name: 'migrate-user',
  parse: parseMigrateUserEvent,
  core: async (event) => event,
});
