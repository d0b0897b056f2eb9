import { KMS, type KmsNodeClientSupplier } from '@aws-crypto/kms-keyring-node';
import { CALL_LIMITS, clientOptions, withDeadline } from './clients.js';

const clients = new Map<string, KMS>();

/**
 * The KMS clients the Encryption SDK's keyring decrypts with (one per region of a key, in practice
 * the pool's), with Gatehouse's limits and the invocation's deadline instead of the SDK's defaults.
 */
export const kmsClients: KmsNodeClientSupplier = (region) => {
  let client = clients.get(region);
  if (!client) {
    client = withDeadline(new KMS({ ...clientOptions(CALL_LIMITS.kms), region }));
    clients.set(region, client);
  }
  return client;
};
