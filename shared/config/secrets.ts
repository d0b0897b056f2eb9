import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { secretsManagerClient } from '../aws/secrets-manager.js';
import { ConfigError } from '../errors/index.js';

/**
 * Secrets never sit in a deployed function's environment: the environment names a Secrets
 * Manager secret (`<NAME>_SECRET_ID`), read at the first use through Powertools Parameters and
 * cached for `SECRET_CACHE_SECONDS`. A rotation gives the secret a new AWSCURRENT version and keeps
 * the old one as AWSPREVIOUS; both are returned, so that what was signed with the old value
 * (a magic link in flight) still verifies while new signatures use the current one.
 *
 * Local runs and tests give the value itself in the plain variable (`<NAME>`), as before.
 */
export interface SecretValues {
  /** Signs and authorizes. */
  current: string;
  /** Still accepted for verification during a rotation. */
  previous?: string;
}

/** Where one secret comes from. */
export interface SecretSource {
  /** The plain value (local runs). */
  plain?: string | undefined;
  /** The Secrets Manager secret id (name or ARN) of a deployment. */
  secretId?: string | undefined;
}

/** How long a value read from Secrets Manager is reused before it is read again. */
export const SECRET_CACHE_SECONDS = 300;

let current: SecretsProvider | undefined;
let previous: SecretsProvider | undefined;

/**
 * Two providers, so that the current and previous values never share a cache entry, over the one
 * client of `shared/aws` (Secrets Manager answers in milliseconds; a slow answer fails fast).
 */
function providers(): { current: SecretsProvider; previous: SecretsProvider } {
  current ??= new SecretsProvider({ awsSdkV3Client: secretsManagerClient() });
  previous ??= new SecretsProvider({ awsSdkV3Client: secretsManagerClient() });
  return { current, previous };
}

/**
 * Forgets every value read, as if its `SECRET_CACHE_SECONDS` had passed: the next read asks
 * Secrets Manager (the fault tests, which cannot wait five minutes).
 */
export function expireCachedSecrets(): void {
  current?.clearCache();
  previous?.clearCache();
}

/** The secret's values, or undefined when neither a plain value nor a secret id is configured. */
export async function readSecret(source: SecretSource): Promise<SecretValues | undefined> {
  if (source.secretId) {
    const { current: currentProvider, previous: previousProvider } = providers();
    const value = await currentProvider.get(source.secretId, { maxAge: SECRET_CACHE_SECONDS });
    if (typeof value !== 'string' || value === '') {
      throw new ConfigError(source.secretId, 'names a secret with no string value (AWSCURRENT)');
    }
    const old = await previousProvider
      .get(source.secretId, { maxAge: SECRET_CACHE_SECONDS, sdkOptions: { VersionStage: 'AWSPREVIOUS' } })
      .catch(() => undefined);
    return typeof old === 'string' && old !== '' && old !== value
      ? { current: value, previous: old }
      : { current: value };
  }
  return source.plain ? { current: source.plain } : undefined;
}

/** Every value a signature may have been made with: the current one first. */
export function acceptedValues(secret: SecretValues): string[] {
  return secret.previous ? [secret.current, secret.previous] : [secret.current];
}
