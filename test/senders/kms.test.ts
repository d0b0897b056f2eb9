import { randomBytes } from 'node:crypto';
import { buildClient, CommitmentPolicy, getClient, KMS, KmsKeyringNode } from '@aws-crypto/client-node';
import { describe, expect, it } from 'vitest';
import { UnavailableError, UndeliverableError } from '../../shared/errors/index.js';
import { kmsDecrypter } from '../../shared/senders/decrypt.js';
import { fakeAwsHandler, localCredentials } from './support.js';

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_ARN = 'arn:aws:kms:us-east-1:111122223333:key/ffffffff-12ab-34cd-56ef-1234567890ab';

/**
 * KMS simulated at the SDK level: the real KMS client builds and signs GenerateDataKey and
 * Decrypt; the fake service wraps data keys by prefixing the key id, so that only the key that
 * "encrypted" a data key can give it back, as KMS does.
 */
function fakeKms(failDecryptWith?: { status: number; type: string }) {
  const fake = fakeAwsHandler(({ headers, body }) => {
    const operation = headers['x-amz-target']!.split('.')[1];
    const input = JSON.parse(body);
    const answer = (json: unknown) => ({
      contentType: 'application/x-amz-json-1.1',
      body: JSON.stringify(json),
    });
    if (operation === 'Decrypt' && failDecryptWith) {
      return {
        status: failDecryptWith.status,
        ...answer({ __type: failDecryptWith.type, message: `injected ${failDecryptWith.type}` }),
      };
    }
    if (operation === 'GenerateDataKey') {
      const plaintext = randomBytes(input.NumberOfBytes);
      const blob = Buffer.concat([Buffer.from(`${input.KeyId}|`), plaintext]);
      return answer({
        KeyId: input.KeyId,
        Plaintext: plaintext.toString('base64'),
        CiphertextBlob: blob.toString('base64'),
      });
    }
    if (operation === 'Decrypt') {
      const blob = Buffer.from(input.CiphertextBlob, 'base64');
      const separator = blob.indexOf('|');
      const keyId = blob.subarray(0, separator).toString();
      if (keyId !== input.KeyId) {
        return { status: 400, ...answer({ __type: 'IncorrectKeyException', message: 'wrong key' }) };
      }
      return answer({ KeyId: keyId, Plaintext: blob.subarray(separator + 1).toString('base64') });
    }
    return { status: 400, ...answer({ __type: 'UnsupportedOperationException', message: operation }) };
  });
  const clientProvider = getClient(KMS, {
    credentials: localCredentials,
    requestHandler: fake.handler,
    maxAttempts: 1,
  });
  return { clientProvider, requests: fake.requests };
}

/** What Cognito does: encrypt the code under the pool's KMS key with the Encryption SDK. */
async function cognitoEncrypts(code: string, keyArn: string, kms: ReturnType<typeof fakeKms>) {
  const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: kms.clientProvider });
  return (await encrypt(keyring, code)).result.toString('base64');
}

describe('the production KMS keyring', () => {
  it('decrypts a code encrypted under the configured key, with one KMS Decrypt call', async () => {
    const kms = fakeKms();
    const encrypted = await cognitoEncrypts('493817', KEY_ARN, kms);
    const before = kms.requests.length;
    await expect(kmsDecrypter(KEY_ARN, kms.clientProvider)(encrypted)).resolves.toBe('493817');
    const calls = kms.requests.slice(before);
    expect(calls.map((r) => r.headers['x-amz-target'])).toEqual(['TrentService.Decrypt']);
    expect(JSON.parse(calls[0]!.body)).toMatchObject({ KeyId: KEY_ARN });
  });

  it('refuses a code encrypted under another key, without asking KMS to try it', async () => {
    const kms = fakeKms();
    const encrypted = await cognitoEncrypts('493817', OTHER_ARN, kms);
    const before = kms.requests.length;
    await expect(kmsDecrypter(KEY_ARN, kms.clientProvider)(encrypted)).rejects.toThrow();
    expect(kms.requests.slice(before)).toEqual([]);
  });
});

describe('KMS failing: retried by Lambda, or dropped only when the ciphertext itself is refused', () => {
  it.each([
    [400, 'ThrottlingException'],
    [500, 'KMSInternalException'],
    [500, 'DependencyTimeoutException'],
    [400, 'KeyUnavailableException'],
    [400, 'DisabledException'],
    [400, 'AccessDeniedException'],
  ])('%i %s: an UnavailableError (the sender throws, Lambda decrypts again)', async (status, type) => {
    const encrypted = await cognitoEncrypts('493817', KEY_ARN, fakeKms());
    const failing = fakeKms({ status, type });
    const error = await kmsDecrypter(KEY_ARN, failing.clientProvider)(encrypted).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ name: 'KmsUnavailableError', cause: { name: type } });
    const { decryptCode } = await import('../../shared/senders/deliver.js');
    await expect(
      decryptCode(kmsDecrypter(KEY_ARN, failing.clientProvider), encrypted),
    ).rejects.toBeInstanceOf(UnavailableError);
  });

  it.each(['InvalidCiphertextException', 'IncorrectKeyException'])(
    '%s: the code is undeliverable (a retry has the same bytes)',
    async (type) => {
      const encrypted = await cognitoEncrypts('493817', KEY_ARN, fakeKms());
      const failing = fakeKms({ status: 400, type });
      const { decryptCode } = await import('../../shared/senders/deliver.js');
      const error = await decryptCode(kmsDecrypter(KEY_ARN, failing.clientProvider), encrypted).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UndeliverableError);
      expect(error).not.toBeInstanceOf(UnavailableError);
    },
  );
});
