import { describe, expect, it } from 'vitest';
import { djangoPbkdf2Hash, legacyHash } from '../../scripts/migration/legacy-hashes.js';
import { describeHash, type HashAlgorithm, verifyPassword } from '../../shared/migration/hashes.js';

const algorithms: HashAlgorithm[] = ['bcrypt', 'argon2id', 'scrypt', 'pbkdf2-sha256'];
const PASSWORD = 'Corr3ct-Horse-Battery!';

describe.each(algorithms)('%s hashes', (algorithm) => {
  it.each([
    [PASSWORD, true],
    ['Corr3ct-Horse-Battery', false],
    ['corr3ct-horse-battery!', false],
    ['', false],
    ['😀 unicode ünïcödé', false],
  ])('verify %j: %s', async (attempt, expected) => {
    const hash = await legacyHash(algorithm, PASSWORD);
    expect(describeHash(hash)?.algorithm).toBe(algorithm);
    expect(await verifyPassword(attempt, hash)).toBe(expected);
  });

  it('verifies a non-ASCII password', async () => {
    const hash = await legacyHash(algorithm, 'pässwörd-😀');
    expect(await verifyPassword('pässwörd-😀', hash)).toBe(true);
  });
});

describe('hash formats', () => {
  it.each([
    ['$2b$10$CgcPVusezB0uYEaPS6TzgeLZUcbccu80PM1CFihKvAsN.kRsn2Ope', { algorithm: 'bcrypt', cost: '10' }],
    ['$2y$12$CgcPVusezB0uYEaPS6TzgeLZUcbccu80PM1CFihKvAsN.kRsn2Ope', { algorithm: 'bcrypt', cost: '12' }],
    [
      '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2g',
      { algorithm: 'argon2id', cost: 'm=19456,t=2,p=1' },
    ],
    [
      '$scrypt$ln=15,r=8,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
      { algorithm: 'scrypt', cost: 'ln=15,r=8,p=1' },
    ],
    [
      '$pbkdf2-sha256$29000$N2bMOWZ.x3eA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
      { algorithm: 'pbkdf2-sha256', cost: 'i=29000' },
    ],
    [
      'pbkdf2_sha256$600000$salt$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=',
      { algorithm: 'pbkdf2-sha256', cost: 'i=600000' },
    ],
    ['$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2g', undefined],
    ['$1$saltsalt$md5cryptishash', undefined],
    ['5f4dcc3b5aa765d61d8327deb882cf99', undefined],
    ['$scrypt$ln=40,r=8,p=1$c29tZXNhbHQ$aGFzaGhhc2g', undefined],
    ['', undefined],
  ])('%s', (hash, expected) => {
    expect(describeHash(hash)).toEqual(expected);
  });

  it('never matches a hash in an unknown format', async () => {
    expect(await verifyPassword('password', '5f4dcc3b5aa765d61d8327deb882cf99')).toBe(false);
  });

  it('verifies Django PBKDF2 hashes', async () => {
    const hash = djangoPbkdf2Hash(PASSWORD);
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    expect(await verifyPassword('wrong', hash)).toBe(false);
  });
});
