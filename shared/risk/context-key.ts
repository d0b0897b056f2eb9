import type middy from '@middy/core';
import { acceptedValues, readSecret, type SecretValues } from '../config/secrets.js';
import { loadSettings, type Settings } from '../config/settings.js';
import { logger } from '../logging/index.js';
import { riskSettingSpecs } from './settings.js';

/**
 * The key of the signed sign-in context (README "Passing and signing the context"). Deployed, it
 * is a Secrets Manager secret (`RISK_CONTEXT_SECRET_ID`), never in the environment: read before
 * each invocation through Powertools Parameters (cached 5 minutes, so this is a Secrets Manager
 * call per container every 5 minutes, not per sign-in) by `contextKeyRefresh()`, and kept here
 * for the synchronous checks. During a rotation the previous value still verifies, and the
 * current one signs. Local runs give the plain key (`RISK_CONTEXT_SECRET`).
 */
const keySpecs = {
  contextSecret: riskSettingSpecs.contextSecret,
  contextSecretId: riskSettingSpecs.contextSecretId,
};
type KeySettings = Settings<typeof keySpecs>;

let settings: KeySettings | undefined;
let loaded: SecretValues | undefined;

const keySettings = () => {
  settings ??= loadSettings(keySpecs);
  return settings;
};

/**
 * The keys a context's signature may be made with, the signing one first: the secret's current
 * and previous values (deployed), else `plain` (the RISK_CONTEXT_SECRET setting of local runs).
 */
export function contextKeys(plain: string | undefined): string[] {
  if (loaded) return acceptedValues(loaded);
  return plain ? [plain] : [];
}

/** Reads the deployed key (from the 5-minute cache when fresh); without a secret id, nothing to do. */
export async function refreshContextKey(): Promise<void> {
  const { contextSecretId } = keySettings();
  if (!contextSecretId) return;
  loaded = await readSecret({ secretId: contextSecretId });
}

/**
 * The middleware that refreshes the key before the function's core runs. A failed read fails the
 * invocation while no key was ever read (nothing could be verified); after that, the last key
 * stands and a warning says so, rather than failing every sign-in during a Secrets Manager outage.
 */
export function contextKeyRefresh(): middy.MiddlewareObj<unknown, unknown> {
  return {
    before: async () => {
      try {
        await refreshContextKey();
      } catch (error) {
        if (!loaded) throw error;
        logger.warn('context key not refreshed: using the last one read', {
          error: error instanceof Error ? error.name : typeof error,
        });
      }
    },
  };
}

/** Tests only: forgets the key read and the settings. */
export function resetContextKey(): void {
  loaded = undefined;
  settings = undefined;
}
