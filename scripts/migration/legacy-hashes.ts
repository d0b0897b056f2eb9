/**
 * Makes legacy password hashes in every format migrate-user verifies, as the legacy systems
 * store them. For tests, the benchmark, the demo and import tooling; never bundled in a function.
 */
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { argon2id } from 'hash-wasm';
import type { HashAlgorithm } from '../../shared/migration/hashes.js';

/** Work factors: `low` keeps unit tests fast; `production` is what a legacy store would use. */
export const hashCosts = {
  low: { bcrypt: 4, argon2id: { m: 1024, t: 1, p: 1 }, scryptLn: 10, pbkdf2: 1000 },
  production: { bcrypt: 10, argon2id: { m: 19456, t: 2, p: 1 }, scryptLn: 15, pbkdf2: 600_000 },
} as const;

export type CostLevel = keyof typeof hashCosts;

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

export async function legacyHash(algorithm: HashAlgorithm, password: string, level: CostLevel = 'low') {
  const cost = hashCosts[level];
  const salt = randomBytes(16);
  switch (algorithm) {
    case 'bcrypt':
      return bcrypt.hash(password, cost.bcrypt);
    case 'argon2id':
      return argon2id({
        password,
        salt,
        parallelism: cost.argon2id.p,
        iterations: cost.argon2id.t,
        memorySize: cost.argon2id.m,
        hashLength: 32,
        outputType: 'encoded',
      });
    case 'scrypt': {
      const N = 2 ** cost.scryptLn;
      const key = scryptSync(password, salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 });
      return `$scrypt$ln=${cost.scryptLn},r=8,p=1$${b64(salt)}$${b64(key)}`;
    }
    case 'pbkdf2-sha256': {
      const key = pbkdf2Sync(password, salt, cost.pbkdf2, 32, 'sha256');
      // passlib's adapted base64: `.` instead of `+`, no padding.
      const ab64 = (bytes: Buffer) => b64(bytes).replace(/\+/g, '.');
      return `$pbkdf2-sha256$${cost.pbkdf2}$${ab64(salt)}$${ab64(key)}`;
    }
  }
}

/** A Django `pbkdf2_sha256$<iterations>$<salt>$<hash>` hash (salt is text). */
export function djangoPbkdf2Hash(password: string, iterations = 1000, salt = 'Qx7dWnS2oLm4') {
  const key = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  return `pbkdf2_sha256$${iterations}$${salt}$${key.toString('base64')}`;
}
