import {
  KeyringNode,
  KeyringTraceFlag,
  type NodeDecryptionMaterial,
  type NodeEncryptionMaterial,
} from '@aws-crypto/material-management-node';
import { describe, expect, it } from 'vitest';
import { codeDecrypter } from '../../shared/senders/decrypt.js';

/**
 * Messages from outside the project (issue 19): the AWS Encryption SDK team's "Message Format V2
 * Test Vectors" (2020-09-18), published with the JavaScript SDK as
 * `modules/decrypt-node/test/fixtures.ts` (`compatibilityVectors`), written by other
 * implementations. Each gives the ciphertext, the data key its keyring would unwrap, and the
 * plaintext or the failure. The decrypter under test is the senders' own (`codeDecrypter`: its
 * commitment policy, its body limit); only the keyring is a fixture, handing over the vector's
 * data key as the KMS keyring would (the SDK's own compatibility test does the same).
 * The Python SDK could not serve as the other implementation here: pip reaches no package index
 * from this machine. Sources: docs/test-vectors.md.
 */
function staticKeyring(dataKeyBase64: string): KeyringNode {
  const dataKey = Buffer.from(dataKeyBase64, 'base64');
  return new (class StaticKeyring extends KeyringNode {
    async _onEncrypt(): Promise<NodeEncryptionMaterial> {
      throw new Error('decrypt only');
    }
    async _onDecrypt(material: NodeDecryptionMaterial) {
      return material.setUnencryptedDataKey(new Uint8Array(dataKey), {
        keyNamespace: 'vector',
        keyName: 'vector',
        flags: KeyringTraceFlag.WRAPPING_KEY_DECRYPTED_DATA_KEY,
      });
    }
  })();
}

const ZERO_KEY = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

const vectors = [
  {
    comment: '1. Non-KMS key provider',
    ciphertext:
      'AgR4TfvRMU2dVZJbgXIyxeNtbj5eIw8BiTDiwsHyQ/Z9wXkAAAABAAxQcm92aWRlck5hbWUAGUtleUlkAAAAgAAAAAz45sc3cDvJZ7D4P3sAMKE7d/w8ziQt2C0qHsy1Qu2E2q92eIGE/kLnF/Y003HKvTxx7xv2Zv83YuOdwHML5QIAABAAF88I9zPbUQSfOlzLXv+uIY2+m/E6j2PMsbgeHVH/L0wLqQlY+5CL0z3xnNOMIZae/////wAAAAEAAAAAAAAAAAAAAAEAAAAOSZBKHHRpTwXOFTQVGapXXj5CwXBMouBB2ucaIJVm',
    dataKey: '+p6+whPVw9kOrYLZFMRBJ2n6Vli6T/7TkjDouS+25s0=',
    plaintext: 'GoodCommitment',
  },
  {
    comment: '4. Key = zero, Message ID = zero',
    ciphertext:
      'AgR4AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAAdhd3Mta21zAEthcm46YXdzOmttczp1cy13ZXN0LTI6NjU4OTU2NjAwODMzOmtleS9iMzUzN2VmMS1kOGRjLTQ3ODAtOWY1YS01NTc3NmNiYjJmN2YApwEBAgB4QPOMJ14xCXQWwQcpUVBXGWSto+8cIelMi6C9vJ0PtBQAAAB+MHwGCSqGSIb3DQEHBqBvMG0CAQAwaAYJKoZIhvcNAQcBMB4GCWCGSAFlAwQBLjARBAw9EJqts2PkPA43eeMCARCAO9JPXvk6hofpX8P50mlDfAEwIiJc9sTS82KeLPBiZRnvmWcf2YSceNCoKTOB819M1auXncAYO8JJ/VzPAAdhd3Mta21zAEthcm46YXdzOmttczp1cy13ZXN0LTI6NjU4OTU2NjAwODMzOmtleS81OTBmZDc4MS1kZGRlLTQwMzYtYWJlYy0zZTFhYjVhNWQyYWQApwEBAgB4IDgBgT3DGKHrXsN2bi23PO+MOMGydcgwgWav8w1SQk0AAAB+MHwGCSqGSIb3DQEHBqBvMG0CAQAwaAYJKoZIhvcNAQcBMB4GCWCGSAFlAwQBLjARBAw4v1P6lkHuuyIOZ7ECARCAO0iAkJa/Ivo37+t5rryGAGMiIHuamdq21HBOULwcGmMzCT69PWNgm1l59xq+8AOinEEzohfm2jBueXA2AgAAEABDPYN/Wct+m8YzTRVK/4MRCcY3LZj4tayFiL/376umUUTUenheMypVEflUomVblvr/////AAAAAQAAAAAAAAAAAAAAAQAAAAlCp+rAMHiuKyGr0KRmjDC6C7TXAvAwtFjR',
    dataKey: ZERO_KEY,
    plaintext: 'testing12',
  },
  {
    comment: '5. Key = zero, Message ID = zero (signed)',
    ciphertext:
      'AgV4AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAXwABABVhd3MtY3J5cHRvLXB1YmxpYy1rZXkAREFoR0N4RmM2T3M3aTYydXppMEdKeTR4TmJmY0M5UVRzUWhkaW9PaExISklBdXFiWmlPSmhoQjEvQW95VEwrMU9jZz09AAIAB2F3cy1rbXMAS2Fybjphd3M6a21zOnVzLXdlc3QtMjo2NTg5NTY2MDA4MzM6a2V5L2IzNTM3ZWYxLWQ4ZGMtNDc4MC05ZjVhLTU1Nzc2Y2JiMmY3ZgCnAQECAHhA84wnXjEJdBbBBylRUFcZZK2j7xwh6UyLoL28nQ+0FAAAAH4wfAYJKoZIhvcNAQcGoG8wbQIBADBoBgkqhkiG9w0BBwEwHgYJYIZIAWUDBAEuMBEEDOl5m0bj8TSUWO4GBwIBEIA7V0a+DvNMcbD7jfMcMuk0Rz8vB3oEp9wlIATpXzJmjqWefsFPJy5izbrFcR5CydFN2KS3h7E/9AjlQiUAB2F3cy1rbXMAS2Fybjphd3M6a21zOnVzLXdlc3QtMjo2NTg5NTY2MDA4MzM6a2V5LzU5MGZkNzgxLWRkZGUtNDAzNi1hYmVjLTNlMWFiNWE1ZDJhZACnAQECAHggOAGBPcMYoetew3ZuLbc874w4wbJ1yDCBZq/zDVJCTQAAAH4wfAYJKoZIhvcNAQcGoG8wbQIBADBoBgkqhkiG9w0BBwEwHgYJYIZIAWUDBAEuMBEEDIbOPUE8vBwp3Z6CLQIBEIA7mvK9rkzLwhrM+A8KXqqfj6pktEbnUrfggiAYnpss2KuZhM/vh/ha1SE9mSXwd4SFGVYOG5Q9/WevH1ICAAAQAEM9g39Zy36bxjNNFUr/gxEJxjctmPi1rIWIv/fvq6ZRrGZZkIZ1T4L6ZU5vqj/DrP////8AAAABAAAAAAAAAAAAAAABAAAACYppWXO1LeMi/qxGk3haWIs2N4VSEWHPa7cAZzBlAjAnb0SKcZVySyKIYvYvJA0yDUuftkXNoi01Umw+9MpwGh/y3cR3+TKU4DnNuljEkfACMQCNMCiS30oMIWNlhrWBQ852fhfhLvg8jLGIYLwFhEE9NrnyDYfj2H8Ej7+qK4C9OTY=',
    dataKey: ZERO_KEY,
    plaintext: 'testing12',
  },
];

/** Vector 2 of the same set: a message whose key commitment does not match its data key. */
const badCommitment = {
  ciphertext:
    'AgR4b1/73X5ErILpj0aSQIx6wNnHLEcNLxPzA0m6vYRr7kAAAAABAAxQcm92aWRlck5hbWUAGUtleUlkAAAAgAAAAAypJmXwyizUr3/pyvIAMHLU/i5GhZlGayeYC5w/CjUobyGwN4QpeMB0XpNDGTM0f1Zx72V4uM2H5wMjy/hm2wIAABAAAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh/pQM2VSvliz2Qgi5JZf2ta/////wAAAAEAAAAAAAAAAAAAAAEAAAANS4Id4+dVHhPrvuJHEiOswo6YGSRjSGX3VDrt+0s=',
  dataKey: '8Bu+AFAu9ZT8BwYK+QAKXKQ2iaySSiQwlPUrKMf6fdo=',
};

describe('Encryption SDK messages written by other implementations (message format 2, key commitment)', () => {
  it.each(vectors.map((v) => [v.comment, v] as const))(
    '%s: decrypts to the published plaintext',
    async (_, v) => {
      expect(await codeDecrypter(staticKeyring(v.dataKey))(v.ciphertext)).toBe(v.plaintext);
    },
  );

  it('2. Invalid commitment: refused (the published expected failure)', async () => {
    await expect(
      codeDecrypter(staticKeyring(badCommitment.dataKey))(badCommitment.ciphertext),
    ).rejects.toThrow(/commitment/i);
  });

  it('the same message with another data key is refused', async () => {
    const [first] = vectors;
    await expect(codeDecrypter(staticKeyring(ZERO_KEY))(first!.ciphertext)).rejects.toThrow();
  });

  it('a flipped byte in the body or in the signature is refused', async () => {
    for (const vector of [vectors[1]!, vectors[2]!]) {
      const bytes = Buffer.from(vector.ciphertext, 'base64');
      for (const at of [bytes.length - 5, bytes.length - 120]) {
        const tampered = Buffer.from(bytes);
        tampered[at] = (tampered[at] ?? 0) ^ 1;
        await expect(
          codeDecrypter(staticKeyring(vector.dataKey))(tampered.toString('base64')),
        ).rejects.toThrow();
      }
    }
  });
});
