import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { KmsKeyringNode, type KmsNodeClientSupplier } from '@aws-crypto/kms-keyring-node';
import { CommitmentPolicy, type KeyringNode } from '@aws-crypto/material-management-node';

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
 * The production keyring: decrypts only with the pool's key (a strict, not a discovery, keyring).
 * `clientProvider` replaces the KMS client (tests simulate KMS at the SDK level).
 */
export function kmsDecrypter(keyArn: string, clientProvider?: KmsNodeClientSupplier): CodeDecrypter {
  return codeDecrypter(
    new KmsKeyringNode({ keyIds: [keyArn], ...(clientProvider ? { clientProvider } : {}) }),
  );
}

/** Used when no key is configured (local runs): every code is undecryptable, said plainly. */
export const noKeyDecrypter: CodeDecrypter = async () => {
  throw new Error('KMS_KEY_ARN is not set: the code cannot be decrypted');
};
