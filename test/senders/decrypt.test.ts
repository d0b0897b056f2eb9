import { generateKeyPairSync } from 'node:crypto';
import { buildClient, CommitmentPolicy, RawRsaKeyringNode } from '@aws-crypto/client-node';
import { describe, expect, it } from 'vitest';
import { encryptSampleCode, sampleKeySettings } from '../../scripts/local/sample-keys.js';
import { ConfigError } from '../../shared/errors/index.js';
import { codeDecrypter, noKeyDecrypter, senderDecrypter } from '../../shared/senders/decrypt.js';
import { encryptCode, testKeyring } from './support.js';

describe('code decryption (AWS Encryption SDK)', () => {
  it('round-trips a code encrypted with a raw AES keyring', async () => {
    const keyring = testKeyring();
    const encrypted = await encryptCode(keyring, '493817');
    expect(encrypted).not.toContain('493817');
    await expect(codeDecrypter(keyring)(encrypted)).resolves.toBe('493817');
  });

  it('round-trips a code encrypted with a raw RSA keyring', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const keyring = new RawRsaKeyringNode({
      keyNamespace: 'gatehouse-test',
      keyName: 'rsa',
      rsaKey: { publicKey, privateKey },
      oaepHash: 'sha256',
    });
    const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const { result } = await encrypt(keyring, 'Temp#Pass1');
    await expect(codeDecrypter(keyring)(result.toString('base64'))).resolves.toBe('Temp#Pass1');
  });

  it('refuses a code encrypted with another key', async () => {
    const encrypted = await encryptCode(testKeyring(), '493817');
    await expect(codeDecrypter(testKeyring())(encrypted)).rejects.toThrow();
  });

  it('refuses garbage and the sample events’ foreign ciphertext', async () => {
    await expect(codeDecrypter(testKeyring())('bm90IGFuIEVTREsgbWVzc2FnZQ==')).rejects.toThrow();
  });

  it('says plainly that no key is configured', async () => {
    await expect(noKeyDecrypter('AYAD')).rejects.toThrow(/KMS_KEY_ARN/);
  });
});

describe('the local raw keyring (SENDER_LOCAL_AES_KEY)', () => {
  const KMS = 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000';
  const localAesKey = sampleKeySettings({}).SENDER_LOCAL_AES_KEY!;

  it("decrypts the samples' codes where no KMS key is set (local runs)", async () => {
    const encrypted = await encryptSampleCode('730291', 'us-east-1_EXAMPLE1');
    await expect(senderDecrypter({ localAesKey }, {})(encrypted)).resolves.toBe('730291');
  });

  it.each([
    ['KMS_KEY_ARN set', { kmsKeyArn: KMS, localAesKey }, {}],
    ['inside AWS Lambda', { localAesKey }, { AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001' }],
  ])('is refused by a deployed configuration (%s): the function does not start', (_, settings, env) => {
    expect(() => senderDecrypter(settings, env)).toThrow(ConfigError);
    expect(() => senderDecrypter(settings, env)).toThrow(
      'Setting SENDER_LOCAL_AES_KEY (environment): is for local runs only: refused with KMS_KEY_ARN and in AWS Lambda',
    );
  });

  it("is never offered by the samples' settings when the caller has a KMS key", () => {
    expect(sampleKeySettings({ KMS_KEY_ARN: KMS }).SENDER_LOCAL_AES_KEY).toBeUndefined();
  });

  it("does not decrypt a code the pool's KMS key encrypted (another key)", async () => {
    const encrypted = await encryptCode(testKeyring(), '493817');
    await expect(senderDecrypter({ localAesKey }, {})(encrypted)).rejects.toThrow();
  });
});
