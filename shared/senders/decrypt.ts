import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { KmsKeyringNode, type KmsNodeClientSupplier } from '@aws-crypto/kms-keyring-node';
import { CommitmentPolicy, type KeyringNode } from '@aws-crypto/material-management-node';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/raw-aes-keyring-node';
import { kmsClients } from '../aws/kms.js';
import { ConfigError, UnavailableError } from '../errors/index.js';

/** Turns the base64 `request.code` of a custom sender event into the plaintext code. */
export type CodeDecrypter = (encryptedCode: string) => Promise<string>;

/*
 * The AWS Encryption SDK, imported by part: `@aws-crypto/client-node` re-exports encryption,
 * caching and the hierarchical keyring (with a DynamoDB client) as CommonJS that esbuild cannot
 * tree-shake; these three ESM packages make the sender bundles ~165 KB smaller and their cold
 * import ~115 ms faster (scripts/bench/messages.ts). Cognito encrypts with a committing suite;
 * older messages without key commitment still decrypt.
 */
const { decrypt } = buildDecrypt(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);

/** A decrypter over any Encryption SDK keyring: the KMS keyring in AWS, a raw AES or RSA keyring in tests. */
export function codeDecrypter(keyring: KeyringNode): CodeDecrypter {
  return async (encryptedCode) => {
    const { plaintext } = await decrypt(keyring, Buffer.from(encryptedCode, 'base64'), { maxBodySize: 4096 });
    return plaintext.toString('utf8');
  };
}

/**
 * KMS's answers that say the ciphertext itself can never be decrypted with this key: a retry has
 * the same bytes. Every other KMS error (throttling, `KMSInternalException`,
 * `DependencyTimeoutException`, `KeyUnavailableException`, a disabled key or a missing permission,
 * a timeout, the deadline) may pass, or be fixed by the operator, before Lambda's retry.
 */
const CIPHERTEXT_REFUSALS = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

/**
 * The production keyring: decrypts only with the pool's key (a strict, not a discovery, keyring),
 * through the KMS client of `shared/aws` (timeouts, bounded retries, the invocation's deadline).
 * `clientProvider` replaces it (tests simulate KMS at the SDK level).
 *
 * The keyring swallows KMS's error into a message of its own, so each call watches its KMS calls:
 * when KMS failed for a reason other than the ciphertext, the decrypter throws an
 * `UnavailableError` (the sender then throws, and Lambda's retry decrypts again) instead of the
 * keyring's error (an undecryptable code, dropped).
 */
export function kmsDecrypter(
  keyArn: string,
  clientProvider: KmsNodeClientSupplier = kmsClients,
): CodeDecrypter {
  return async (encryptedCode) => {
    const kmsErrors: unknown[] = [];
    const watched: KmsNodeClientSupplier = (region) => {
      const client = clientProvider(region);
      if (!client) return client;
      return {
        decrypt: (input: Parameters<typeof client.decrypt>[0]) =>
          Promise.resolve(client.decrypt(input)).catch((error: unknown) => {
            kmsErrors.push(error);
            throw error;
          }),
      } as unknown as typeof client;
    };
    try {
      return await codeDecrypter(new KmsKeyringNode({ keyIds: [keyArn], clientProvider: watched }))(
        encryptedCode,
      );
    } catch (error) {
      const outage = kmsErrors.find((kmsError) => !CIPHERTEXT_REFUSALS.has((kmsError as Error)?.name));
      if (outage)
        throw new UnavailableError('KmsUnavailableError', 'KMS could not decrypt now', { cause: outage });
      throw error;
    }
  };
}

/** Used when no key is configured: every code is undecryptable, said plainly. */
export const noKeyDecrypter: CodeDecrypter = async () => {
  throw new ConfigError('KMS_KEY_ARN', 'is not set: the code cannot be decrypted');
};

/** The raw keyring's name: the local samples' codes are encrypted for exactly this key (`npm run samples`). */
export const LOCAL_KEYRING_NAME = { keyNamespace: 'gatehouse-local', keyName: 'sample-sender-key' } as const;

/** The raw AES keyring of local runs, over a 256-bit key. */
export function localAesKeyring(key: Uint8Array): RawAesKeyringNode {
  return new RawAesKeyringNode({
    ...LOCAL_KEYRING_NAME,
    // The SDK wants the key alone in its memory (not a slice of Node's shared Buffer pool).
    unencryptedMasterKey: new Uint8Array(key),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
}

/**
 * The decrypter the settings call for. The pool's KMS key wherever it is set (serverless.yml sets
 * it on every sender it wires); the local raw key only where it is absent and outside AWS Lambda
 * (whose runtime always sets AWS_LAMBDA_RUNTIME_API; serverless-offline does not), so a deployed
 * sender can never be made to trust a key that is public in the repository: it refuses to start.
 */
export function senderDecrypter(
  settings: { kmsKeyArn?: string; localAesKey?: string },
  env: NodeJS.ProcessEnv = process.env,
): CodeDecrypter {
  if (settings.localAesKey && (settings.kmsKeyArn || env.AWS_LAMBDA_RUNTIME_API)) {
    throw new ConfigError(
      'SENDER_LOCAL_AES_KEY (environment)',
      'is for local runs only: refused with KMS_KEY_ARN and in AWS Lambda',
    );
  }
  if (settings.kmsKeyArn) return kmsDecrypter(settings.kmsKeyArn);
  if (settings.localAesKey)
    return codeDecrypter(localAesKeyring(Buffer.from(settings.localAesKey, 'base64')));
  return noKeyDecrypter;
}
