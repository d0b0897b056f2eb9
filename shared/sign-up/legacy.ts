import { migrationSettings } from '../migration/settings.js';
import { type LegacyAccountLookup, legacyStore } from '../migration/stores.js';

let lookup: LegacyAccountLookup | undefined;

/** The configured legacy store (`MIGRATION_SOURCE`), created on first use, as pre sign-up asks it. */
export function legacyAccounts(): LegacyAccountLookup {
  lookup ??= legacyStore(migrationSettings());
  return lookup;
}
