import { buildClient, CommitmentPolicy, type KeyringNode, KmsKeyringNode } from '@aws-crypto/client-node';

/** Turns the base64 `request.code` of a custom sender event into the plaintext code. */
export type CodeDecrypter = (encryptedCode: string) => Promise<string>;

// Cognito encrypts with a committing algorithm suite; older messages without commitment still decrypt.
const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);

/**
 * A decrypter over any Encryption SDK keyring: the KMS keyring in AWS, a raw AES or RSA keyring in
 * tests.
 */
export function codeDecrypter(keyring: KeyringNode): CodeDecrypter {
  return async (encryptedCode) => {
    const { plaintext } = await decrypt(keyring, Buffer.from(encryptedCode, 'base64'), { maxBodySize: 4096 });
    return plaintext.toString('utf8');
  };
}

/** The production keyring: decrypts only with the pool's key (a strict, not a discovery, keyring). */
export function kmsDecrypter(keyArn: string): CodeDecrypter {
  return codeDecrypter(new KmsKeyringNode({ keyIds: [keyArn] }));
}

/** Used when no key is configured (local runs): every code is undecryptable, said plainly. */
export const noKeyDecrypter: CodeDecrypter = async () => {
  throw new Error('KMS_KEY_ARN is not set: the code cannot be decrypted');
};
