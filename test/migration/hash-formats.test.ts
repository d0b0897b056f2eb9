import { describe, expect, it } from 'vitest';
import { describeHash } from '../../shared/migration/hashes.js';

/**
 * The format readers' exact edges, found by mutation testing (issue 19): a stored hash is read
 * whole (nothing before or after it), and each work parameter only within its range.
 */
const KEY = Buffer.alloc(32, 7).toString('base64');
const ab64 = KEY.replace(/=+$/, '').replace(/\+/g, '.');
const valid = {
  bcrypt: '$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm',
  argon2id: '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
  scrypt: `$scrypt$ln=10,r=8,p=16$TmFDbA==$${KEY}`,
  'pbkdf2-sha256': `$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$${ab64}`,
  django: `pbkdf2_sha256$390000$seasalt$${KEY}`,
};

describe('a stored hash is read whole', () => {
  it.each(Object.entries(valid))('%s: something before or after it makes it unknown', (_, hash) => {
    expect(describeHash(hash)).toBeDefined();
    expect(describeHash(`x${hash}`)).toBeUndefined();
    expect(describeHash(` ${hash}`)).toBeUndefined();
    expect(describeHash(`${hash}!`)).toBeUndefined();
    expect(describeHash(`${hash}$x`)).toBeUndefined();
  });

  it('bcrypt wants exactly 53 characters of salt and hash, and a two-digit cost', () => {
    expect(describeHash(valid.bcrypt.slice(0, -1))).toBeUndefined();
    expect(describeHash(`${valid.bcrypt}a`)).toBeUndefined();
    expect(describeHash(valid.bcrypt.replace('$04$', '$4$'))).toBeUndefined();
    expect(describeHash(valid.bcrypt.replace('$2b$', '$2c$'))).toBeUndefined();
  });
});

describe('work parameters', () => {
  const argon = (params: string) => valid.argon2id.replace('m=65536,t=2,p=1', params);
  it('argon2id: any number of digits in m, t and p; version 19 only', () => {
    expect(describeHash(argon('m=65536,t=10,p=16'))).toEqual({
      algorithm: 'argon2id',
      cost: 'm=65536,t=10,p=16',
    });
    expect(describeHash(argon('m=8,t=1,p=1'))).toEqual({ algorithm: 'argon2id', cost: 'm=8,t=1,p=1' });
    expect(describeHash(argon('m=x,t=1,p=1'))).toBeUndefined();
    expect(describeHash(valid.argon2id.replace('v=19', 'v=16'))).toBeUndefined();
  });

  const scrypt = (params: string) => valid.scrypt.replace('ln=10,r=8,p=16', params);
  it.each([
    ['ln=1,r=1,p=1', 'ln=1,r=1,p=1'],
    ['ln=20,r=8,p=1', 'ln=20,r=8,p=1'],
    ['ln=14,r=16,p=99', 'ln=14,r=16,p=99'],
  ])('scrypt %s is read', (params, cost) => {
    expect(describeHash(scrypt(params))).toEqual({ algorithm: 'scrypt', cost });
  });

  it.each([
    'ln=0,r=8,p=1',
    'ln=21,r=8,p=1',
    'ln=10,r=0,p=1',
    'ln=10,r=8,p=0',
    'ln=100,r=8,p=1',
    'ln=10,r=100,p=1',
    'ln=10,r=8,p=100',
  ])('scrypt %s is refused (out of range)', (params) => {
    expect(describeHash(scrypt(params))).toBeUndefined();
  });

  it('PBKDF2: the iteration count is digits; Django’s salt is any text without "$"', () => {
    expect(describeHash(valid['pbkdf2-sha256'].replace('$6400$', '$64x$'))).toBeUndefined();
    expect(describeHash(valid.django.replace('seasalt', 'sel de mer'))).toEqual({
      algorithm: 'pbkdf2-sha256',
      cost: 'i=390000',
    });
    expect(describeHash(valid.django.replace('seasalt', 'a$b'))).toBeUndefined();
  });
});
