import { pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { argon2Verify } from 'hash-wasm';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * The legacy hash formats Gatehouse verifies, recognised by their prefix:
 * - bcrypt, Modular Crypt Format: `$2a$`, `$2b$`, `$2y$` + cost (bcryptjs);
 * - argon2id, PHC string: `$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>` (hash-wasm, WebAssembly);
 * - scrypt, PHC-style: `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (node:crypto; `ln` is log2 N);
 * - PBKDF2-SHA256, passlib: `$pbkdf2-sha256$<iterations>$<salt>$<hash>` (adapted base64, `.`
 *   for `+`), or Django: `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>` (salt used as text).
 */
export type HashAlgorithm = 'bcrypt' | 'argon2id' | 'scrypt' | 'pbkdf2-sha256';

export interface HashInfo {
  algorithm: HashAlgorithm;
  /** The work parameters, comparable between two hashes: same cost, same time. */
  cost: string;
}

/** Algorithm and cost of a stored hash, or undefined for a format Gatehouse does not know. */
export function describeHash(hash: string): HashInfo | undefined {
  const bcryptMatch = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/.exec(hash);
  if (bcryptMatch) return { algorithm: 'bcrypt', cost: bcryptMatch[1]! };
  const argon = /^\$argon2id\$v=19\$(m=\d+,t=\d+,p=\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.exec(hash);
  if (argon) return { algorithm: 'argon2id', cost: argon[1]! };
  const scryptParams = parseScrypt(hash);
  if (scryptParams)
    return { algorithm: 'scrypt', cost: `ln=${scryptParams.ln},r=${scryptParams.r},p=${scryptParams.p}` };
  const pbkdf2Params = parsePbkdf2(hash);
  if (pbkdf2Params) return { algorithm: 'pbkdf2-sha256', cost: `i=${pbkdf2Params.iterations}` };
  return undefined;
}

/**
 * True when `password` matches `hash`. Constant-time comparison of the derived keys; a hash in
 * an unknown format never matches (and is reported by the caller, not here).
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const info = describeHash(hash);
  switch (info?.algorithm) {
    case 'bcrypt':
      return bcrypt.compare(password, hash);
    case 'argon2id':
      // hash-wasm refuses an empty password; no hash matches one.
      return password === '' ? false : argon2Verify({ password, hash });
    case 'scrypt': {
      const { ln, r, p, salt, key } = parseScrypt(hash)!;
      const N = 2 ** ln;
      const derived = await scryptAsync(password, salt, key.length, {
        N,
        r,
        p,
        maxmem: 256 * N * r + 1024 * 1024,
      });
      return equal(derived, key);
    }
    case 'pbkdf2-sha256': {
      const { iterations, salt, key } = parsePbkdf2(hash)!;
      return equal(await pbkdf2Async(password, salt, iterations, key.length, 'sha256'), key);
    }
    default:
      return false;
  }
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The shortest stored key (derived-key bytes) accepted for scrypt and PBKDF2. The verifier derives
 * as many bytes as the stored key has, so a truncated key would match on its prefix alone: one of
 * a single byte would let 1 password in 256 through. Real hashes carry 32 (passlib, Django) or 64.
 */
const MIN_KEY_BYTES = 16;

/** Standard or adapted (passlib: `.` for `+`) base64, padding optional. */
function base64(text: string): Buffer {
  return Buffer.from(text.replace(/\./g, '+'), 'base64');
}

function parseScrypt(hash: string) {
  const match =
    /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/.]+=*)\$([A-Za-z0-9+/.]+=*)$/.exec(hash);
  if (!match) return undefined;
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (ln < 1 || ln > 20 || r < 1 || p < 1) return undefined;
  const key = base64(match[5]!);
  return key.length < MIN_KEY_BYTES ? undefined : { ln, r, p, salt: base64(match[4]!), key };
}

function parsePbkdf2(hash: string) {
  const parsed = parsePbkdf2Format(hash);
  return parsed && parsed.key.length >= MIN_KEY_BYTES ? parsed : undefined;
}

function parsePbkdf2Format(hash: string) {
  const passlib = /^\$pbkdf2-sha256\$(\d+)\$([A-Za-z0-9+/.]+=*)\$([A-Za-z0-9+/.]+=*)$/.exec(hash);
  if (passlib) {
    return { iterations: Number(passlib[1]), salt: base64(passlib[2]!), key: base64(passlib[3]!) };
  }
  const django = /^pbkdf2_sha256\$(\d+)\$([^$]+)\$([A-Za-z0-9+/]+=*)$/.exec(hash);
  if (django) {
    return { iterations: Number(django[1]), salt: Buffer.from(django[2]!, 'utf8'), key: base64(django[3]!) };
  }
  return undefined;
}
