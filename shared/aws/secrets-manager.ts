import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { runtimeSettings } from '../config/runtime.js';
import { CALL_LIMITS, clientOptions, withDeadline } from './clients.js';

let client: SecretsManagerClient | undefined;

/** The Secrets Manager client Powertools Parameters reads through (`SECRETS_MANAGER_ENDPOINT` locally). */
export function secretsManagerClient(): SecretsManagerClient {
  client ??= withDeadline(
    new SecretsManagerClient(
      clientOptions(CALL_LIMITS.secretsManager, runtimeSettings().secretsManagerEndpoint),
    ),
  );
  return client;
}
