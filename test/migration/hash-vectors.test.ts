import { describe, expect, it } from 'vitest';
import { describeHash, verifyPassword } from '../../shared/migration/hashes.js';

/**
 * Known answers from outside the project for every legacy hash format (issue 19): a misreading
 * of a format that the project's own hash builder shared would pass a round trip, not these.
 * Each vector names its source; docs/test-vectors.md lists them with their origin.
 */
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
/** passlib's adapted base64 (`.` for `+`, no padding), as `$pbkdf2-sha256$` writes it. */
const ab64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');

interface Vector {
  source: string;
  password: string;
  hash: string;
  /** A password that must not match (one changed character, or a truncation). */
  wrong: string;
}

const bcrypt: Vector[] = [
  // Openwall crypt_blowfish 1.3, wrapper.c `tests[]` (the reference bcrypt's own vectors).
  {
    source: 'crypt_blowfish wrapper.c',
    password: 'U*U',
    hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    wrong: 'U*V',
  },
  {
    source: 'crypt_blowfish wrapper.c',
    password: 'U*U*',
    hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK',
    wrong: 'U*U',
  },
  {
    source: 'crypt_blowfish wrapper.c',
    password: 'U*U*U',
    hash: '$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a',
    wrong: 'U*U*',
  },
  {
    source: 'crypt_blowfish wrapper.c (bytes past 72 ignored)',
    password:
      '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored',
    hash: '$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui',
    wrong: '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345678',
  },
  // pyca/bcrypt tests/test_bcrypt.py `_test_vectors` ($2b$).
  {
    source: 'pyca/bcrypt test_bcrypt.py',
    password: 'Kk4DQuMMfZL9o',
    hash: '$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm',
    wrong: 'Kk4DQuMMfZL9O',
  },
  {
    source: 'pyca/bcrypt test_bcrypt.py',
    password: '9IeRXmnGxMYbs',
    hash: '$2b$04$pQ7gRO7e6wx/936oXhNjrOUNOHL1D0h1N2IDbJZYs.1ppzSof6SPy',
    wrong: '9IeRXmnGxMYb',
  },
  {
    source: 'pyca/bcrypt test_bcrypt.py',
    password: 'xVQVbwa1S0M8r',
    hash: '$2b$04$SQe9knOzepOVKoYXo9xTteNYr6MBwVz4tpriJVe3PNgYufGIsgKcW',
    wrong: 'xVQVbwa1S0M8',
  },
];

const argon2id: Vector[] = [
  // The reference implementation's tests (phc-winner-argon2, src/test.c, argon2id, version 0x13),
  // password "password", salt "somesalt" (c29tZXNhbHQ), 32-byte tags.
  {
    source: 'phc-winner-argon2 test.c',
    password: 'password',
    hash: '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    wrong: 'passwore',
  },
  {
    source: 'phc-winner-argon2 test.c',
    password: 'password',
    hash: '$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4',
    wrong: 'Password',
  },
  {
    source: 'phc-winner-argon2 test.c (two lanes)',
    password: 'password',
    hash: '$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc',
    wrong: 'password ',
  },
  {
    source: 'phc-winner-argon2 test.c (one pass)',
    password: 'password',
    hash: '$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg',
    wrong: 'pass',
  },
  {
    source: 'phc-winner-argon2 test.c',
    password: 'differentpassword',
    hash: '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$C4TWUs9rDEvq7w3+J4umqA32aWKB1+DSiRuBfYxFj94',
    wrong: 'password',
  },
  {
    source: 'phc-winner-argon2 test.c (salt "diffsalt")',
    password: 'password',
    hash: '$argon2id$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$vfMrBczELrFdWP0ZsfhWsRPaHppYdP3MVEMIVlqoFBw',
    wrong: 'differentpassword',
  },
];

/** RFC 7914 section 12 (scrypt) and passlib's documented example, in the PHC-style string. */
const scrypt: Vector[] = [
  {
    source: 'RFC 7914 §12 (N=1024, r=8, p=16)',
    password: 'password',
    hash: `$scrypt$ln=10,r=8,p=16$${Buffer.from('NaCl').toString('base64')}$${hex(`
      fd ba be 1c 9d 34 72 00 78 56 e7 19 0d 01 e9 fe 7c 6a d7 cb c8 23 78 30 e7 73 76 63 4b 37 31 62
      2e af 30 d9 2e 22 a3 88 6f f1 09 27 9d 98 30 da c7 27 af b9 4a 83 ee 6d 83 60 cb df a2 cc 06 40`).toString(
      'base64',
    )}`,
    wrong: 'passwork',
  },
  {
    source: 'RFC 7914 §12 (N=16384, r=8, p=1)',
    password: 'pleaseletmein',
    hash: `$scrypt$ln=14,r=8,p=1$${Buffer.from('SodiumChloride').toString('base64')}$${hex(`
      70 23 bd cb 3a fd 73 48 46 1c 06 cd 81 fd 38 eb fd a8 fb ba 90 4f 8e 3e a9 b5 43 f6 54 5d a1 f2
      d5 43 29 55 61 3f 0f cf 62 d4 97 05 24 2a 9a f9 e6 1e 85 dc 0d 65 1e 40 df cf 01 7b 45 57 58 87`).toString(
      'base64',
    )}`,
    wrong: 'pleaseletmeout',
  },
  {
    // passlib 1.7 documentation, passlib.hash.scrypt: the hash of "password" (adapted base64).
    source: 'passlib.hash.scrypt documentation',
    password: 'password',
    hash: '$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E',
    wrong: 'Password',
  },
];

/** RFC 7914 §11 (PBKDF2-HMAC-SHA256) in both formats, passlib's and Django's documented hashes. */
const rfcPbkdf2 = {
  passwd: hex(`
    55 ac 04 6e 56 e3 08 9f ec 16 91 c2 25 44 b6 05 f9 41 85 21 6d de 04 65 e6 8b 9d 57 c2 0d ac bc
    49 ca 9c cc f1 79 b6 45 99 16 64 b3 9d 77 ef 31 7c 71 b8 45 b1 e3 0b d5 09 11 20 41 d3 a1 97 83`),
  Password: hex(`
    4d dc d8 f6 0b 98 be 21 83 0c ee 5e f2 27 01 f9 64 1a 44 18 d0 4c 04 14 ae ff 08 87 6b 34 ab 56
    a1 d4 25 a1 22 58 33 54 9a db 84 1b 51 c9 b3 17 6a 27 2b de bb a1 d0 78 47 8f 62 b3 97 f3 3c 8d`),
};
const pbkdf2: Vector[] = [
  {
    source: 'RFC 7914 §11 (c=1), passlib format',
    password: 'passwd',
    hash: `$pbkdf2-sha256$1$${ab64(Buffer.from('salt'))}$${ab64(rfcPbkdf2.passwd)}`,
    wrong: 'Passwd',
  },
  {
    source: 'RFC 7914 §11 (c=80000), passlib format',
    password: 'Password',
    hash: `$pbkdf2-sha256$80000$${ab64(Buffer.from('NaCl'))}$${ab64(rfcPbkdf2.Password)}`,
    wrong: 'password',
  },
  {
    source: 'RFC 7914 §11 (c=1), Django format (salt as text)',
    password: 'passwd',
    hash: `pbkdf2_sha256$1$salt$${rfcPbkdf2.passwd.toString('base64')}`,
    wrong: 'passw',
  },
  // passlib 1.7 documentation, passlib.hash.pbkdf2_digest: hashes of "password".
  {
    source: 'passlib.hash.pbkdf2_digest documentation',
    password: 'password',
    hash: '$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M',
    wrong: 'wrong',
  },
  {
    source: 'passlib.hash.pbkdf2_digest documentation (10-byte salt)',
    password: 'password',
    hash: '$pbkdf2-sha256$8000$XAuBMIYQQogxRg$tRRlz8hYn63B9LYiCd6PRo6FMiunY9ozmMMI3srxeRE',
    wrong: 'passwort',
  },
  // passlib 1.7 documentation, front page: "." in the salt and the checksum (adapted base64).
  {
    source: 'passlib documentation, front page',
    password: 'toomanysecrets',
    hash: '$pbkdf2-sha256$29000$N2YMIWQsBWBMae09x1jrPQ$1t8iyB2A.WF/Z5JZv.lfCIhXXN33N23OSgQYThBYRfk',
    wrong: 'joshua',
  },
  // Django 4.1, tests/auth_tests/test_hashers.py, test_pbkdf2: make_password("lètmein", "seasalt").
  {
    source: 'Django test_hashers.py test_pbkdf2',
    password: 'lètmein',
    hash: 'pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=',
    wrong: 'lètmeinz',
  },
];

describe.each([
  ['bcrypt', bcrypt],
  ['argon2id', argon2id],
  ['scrypt', scrypt],
  ['pbkdf2-sha256', pbkdf2],
] as const)('%s known answers', (algorithm, vectors) => {
  it.each(vectors.map((v) => [v.source, v] as const))(
    '%s: the right password matches, a near one does not',
    async (_, vector) => {
      expect(describeHash(vector.hash)?.algorithm).toBe(algorithm);
      expect(await verifyPassword(vector.password, vector.hash)).toBe(true);
      expect(await verifyPassword(vector.wrong, vector.hash)).toBe(false);
    },
  );
});

describe('the costs the timing defence compares, read from the vectors', () => {
  it.each([
    [bcrypt[0]!.hash, 'bcrypt', '05'],
    [bcrypt[4]!.hash, 'bcrypt', '04'],
    [argon2id[0]!.hash, 'argon2id', 'm=65536,t=2,p=1'],
    [argon2id[2]!.hash, 'argon2id', 'm=256,t=2,p=2'],
    [scrypt[0]!.hash, 'scrypt', 'ln=10,r=8,p=16'],
    [scrypt[2]!.hash, 'scrypt', 'ln=16,r=8,p=1'],
    [pbkdf2[1]!.hash, 'pbkdf2-sha256', 'i=80000'],
    [pbkdf2[6]!.hash, 'pbkdf2-sha256', 'i=390000'],
  ])('%s', (hash, algorithm, cost) => {
    expect(describeHash(hash)).toEqual({ algorithm, cost });
  });
});

describe('what the vectors must not pass for', () => {
  it('the same hash under another bcrypt prefix Gatehouse does not accept ($2x$, the buggy one)', async () => {
    const hash = bcrypt[0]!.hash.replace('$2a$', '$2x$');
    expect(describeHash(hash)).toBeUndefined();
    expect(await verifyPassword('U*U', hash)).toBe(false);
  });

  it('an argon2i string of the reference tests (another variant) is not argon2id', async () => {
    const argon2i = '$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$FK6NoBr+qHAMI1jc73xTWNkCEoK9iGY6RWL1n7dNIu4';
    expect(describeHash(argon2i)).toBeUndefined();
    expect(await verifyPassword('differentpassword', argon2i)).toBe(false);
  });

  it('a scrypt vector with its cost changed does not match', async () => {
    expect(await verifyPassword('password', scrypt[0]!.hash.replace('ln=10', 'ln=11'))).toBe(false);
    expect(await verifyPassword('password', scrypt[0]!.hash.replace('p=16', 'p=15'))).toBe(false);
    expect(await verifyPassword('password', scrypt[0]!.hash.replace('r=8', 'r=7'))).toBe(false);
  });

  it('a PBKDF2 vector with its iteration count changed does not match', async () => {
    expect(await verifyPassword('Password', pbkdf2[1]!.hash.replace('$80000$', '$79999$'))).toBe(false);
  });

  // Found by these vectors: the verifier derives as many bytes as the stored key has, so a key cut
  // short matched on its prefix (a 1-byte key let 1 password in 256 through). Under 16 bytes, the
  // hash is refused as an unknown format now.
  it.each([
    ['passlib PBKDF2', pbkdf2[3]!, 'Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M'],
    ['Django PBKDF2', pbkdf2[6]!, '8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c='],
    ['scrypt', scrypt[2]!, 'nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E'],
  ])('a %s key cut under 16 bytes is refused; 16 bytes still verify', async (_, vector, key) => {
    const bytes = Buffer.from(key.replace(/\./g, '+'), 'base64');
    const withKey = (length: number) =>
      vector.hash.replace(key, bytes.subarray(0, length).toString('base64').replace(/=+$/, ''));
    for (const length of [1, 8, 15]) {
      expect(describeHash(withKey(length))).toBeUndefined();
      expect(await verifyPassword(vector.password, withKey(length))).toBe(false);
    }
    expect(await verifyPassword(vector.password, withKey(16))).toBe(true);
  });
});
