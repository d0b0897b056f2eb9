import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalContext,
  contextFields,
  SIGNED_FIELDS,
  signContext,
  verifyContext,
} from '../../shared/risk/context.js';
import { attemptFacts, locateHistory } from '../../shared/risk/facts.js';
import { emptyHistory } from '../../shared/risk/model.js';
import { NOW, SECRET, signInAttempt, testConfig, testGeo, USER } from './support/fixtures.js';

const CLIENT = 'web-client';
const binding = { identities: ['8f3c2a1e-sub', USER], clientId: CLIENT };
const fields = {
  username: USER,
  clientId: CLIENT,
  ip: '203.0.113.10',
  userAgent: 'Mozilla/5.0',
  deviceId: 'laptop-1',
  timestamp: String(NOW / 1000),
  nonce: 'n0nce-0123456789',
};
const signed = (overrides: Record<string, string> = {}, secret = SECRET) => {
  const f = { ...fields, ...overrides };
  return { ...f, signature: signContext(f, secret) };
};

describe('signed context', () => {
  it('signs a documented, length-prefixed canonical text', () => {
    expect(canonicalContext({ ...fields, userAgent: 'Mozilla/5.0 (Mac) – é' })).toBe(
      [
        'gatehouse-context-v2',
        'username:15:ann@example.org',
        'clientId:10:web-client',
        'ip:12:203.0.113.10',
        'userAgent:24:Mozilla/5.0 (Mac) – é',
        'deviceId:8:laptop-1',
        'deviceKey:0:',
        'country:0:',
        'latitude:0:',
        'longitude:0:',
        `timestamp:10:${NOW / 1000}`,
        'nonce:16:n0nce-0123456789',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['a valid signature', signed(), SECRET, NOW, 'valid'],
    ['no signature', fields, SECRET, NOW, 'missing'],
    ['another secret', signed({}, 'another-secret-of-at-least-32-chars!!'), SECRET, NOW, 'forged'],
    ['a changed field', { ...signed(), ip: '198.51.100.1' }, SECRET, NOW, 'forged'],
    ['a field added after signing', { ...signed(), country: 'FR' }, SECRET, NOW, 'forged'],
    ['another user', signed({ username: 'bob@example.org' }), SECRET, NOW, 'forged'],
    ['another app client', signed({ clientId: 'other-client' }), SECRET, NOW, 'forged'],
    ['no username', signed({ username: '' }), SECRET, NOW, 'forged'],
    ['the username in another case', signed({ username: ' Ann@Example.ORG ' }), SECRET, NOW, 'valid'],
    ['the sub as username', signed({ username: '8f3c2a1e-sub' }), SECRET, NOW, 'valid'],
    ['garbage', { ...fields, signature: 'not-hex' }, SECRET, NOW, 'forged'],
    ['no secret configured', signed(), undefined, NOW, 'forged'],
    ['an oversized field', signed({ userAgent: 'x'.repeat(513) }), SECRET, NOW, 'forged'],
    ['exactly max age old', signed(), SECRET, NOW + 300_000, 'valid'],
    ['one second past max age', signed(), SECRET, NOW + 301_000, 'stale'],
    ['one second past max age in the future', signed(), SECRET, NOW - 301_000, 'stale'],
    ['a non-numeric timestamp', signed({ timestamp: 'yesterday' }), SECRET, NOW, 'stale'],
    ['a timestamp in milliseconds', signed({ timestamp: String(NOW) }), SECRET, NOW + 300_000, 'valid'],
    ['a stale timestamp in milliseconds', signed({ timestamp: String(NOW) }), SECRET, NOW + 301_000, 'stale'],
  ] as const)('%s: %s', (_, context, secret, now, expected) => {
    expect(verifyContext(context, binding, secret, 300, now)).toBe(expected);
  });

  it('reads only string context fields from the metadata', () => {
    expect(
      contextFields({ ip: '1.2.3.4', deviceId: 7 as unknown as string, other: 'x', country: '' }),
    ).toEqual({ ip: '1.2.3.4' });
  });

  it('refuses to sign a value that is not well-formed Unicode (a lone surrogate has no bytes of its own)', () => {
    expect(() => signContext({ ...fields, deviceId: 'a\ud800b' }, SECRET)).toThrow(/deviceId/);
    expect(verifyContext({ ...signed(), deviceId: 'a\ud800b' }, binding, SECRET, 300, NOW)).toBe('forged');
  });
});

/** Any well-formed value, newlines, colons and field names included. */
const value = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('', '\n', ':', '\nip:', 'ip:3:1.2\n', '\nip=203.0.113.10', '0:'),
  fc
    .array(fc.constantFrom('a', '\n', ':', '1', 'ip', 'é', '=', ' '), { maxLength: 10 })
    .map((parts) => parts.join('')),
);
const fieldSet = fc.record(
  Object.fromEntries(SIGNED_FIELDS.map((key) => [key, value])) as Record<
    (typeof SIGNED_FIELDS)[number],
    typeof value
  >,
  { requiredKeys: [] },
);
/** Absent and empty are the same field (the metadata drops empty values). */
const normalised = (f: Record<string, string | undefined>) =>
  Object.fromEntries(SIGNED_FIELDS.map((key) => [key, f[key] ?? '']));

describe('the canonical form is injective (attack 2: re-splitting a signed context)', () => {
  it('two different field sets never share a signed text (property, 20,000 pairs)', () => {
    fc.assert(
      fc.property(fieldSet, fieldSet, (a, b) => {
        fc.pre(JSON.stringify(normalised(a)) !== JSON.stringify(normalised(b)));
        const bytesA = Buffer.from(canonicalContext(a), 'utf8');
        const bytesB = Buffer.from(canonicalContext(b), 'utf8');
        expect(bytesA.equals(bytesB)).toBe(false);
      }),
      { numRuns: 20_000 },
    );
  });

  it('a field set with one value moved into another never shares a signed text (property)', () => {
    fc.assert(
      fc.property(
        fieldSet,
        fc.constantFrom(...SIGNED_FIELDS),
        fc.constantFrom(...SIGNED_FIELDS),
        (f, from, to) => {
          fc.pre(from !== to && (f[from] ?? '') !== '');
          const moved = { ...f, [to]: `${f[to] ?? ''}\n${from}:${f[from]}`, [from]: '' };
          expect(canonicalContext(moved)).not.toBe(canonicalContext(f));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('attack 2: a device id holding newlines cannot be re-split into other fields under the same signature', () => {
    const original = signed({ deviceId: 'x\nip=203.0.113.10\ncountry=JP' });
    // The v1 attack: the same lines read back as other fields (IP dropped, country changed).
    const resplit = {
      ...original,
      ip: '',
      deviceId: 'x',
      country: 'JP',
      signature: original.signature,
    };
    expect(verifyContext(original, binding, SECRET, 300, NOW)).toBe('valid');
    expect(verifyContext(resplit, binding, SECRET, 300, NOW)).toBe('forged');
    const attempt = signInAttempt({ sign: 'none' });
    attempt.metadata = { ...resplit };
    const facts = attemptFacts(attempt, testConfig(), testGeo());
    expect(facts).toEqual({ clientId: CLIENT, signature: 'forged', at: NOW });
  });
});

describe('attempt facts', () => {
  const config = testConfig();
  it('locates the IP with the geolocation database', () => {
    const facts = attemptFacts(signInAttempt({ place: 'tokyo' }), config, testGeo());
    expect(facts).toMatchObject({
      country: 'JP',
      latitude: 35.6762,
      network: '198.51.100.0/24',
      ipText: '198.51.100.23',
    });
  });

  it('believes the location of a validly signed context over the database', () => {
    const facts = attemptFacts(
      signInAttempt({ place: 'tokyo', claim: 'paris', sign: 'valid' }),
      config,
      testGeo(),
    );
    expect(facts).toMatchObject({ signature: 'valid', country: 'FR', latitude: 48.8566 });
  });

  it('does not believe the location of a forged context', () => {
    const facts = attemptFacts(
      signInAttempt({ place: 'tokyo', claim: 'paris', sign: 'forge' }),
      config,
      testGeo(),
    );
    expect(facts).toEqual({ clientId: 'web-client', signature: 'forged', at: NOW });
  });

  it('does not believe anything of an unsigned context where signatures are required (the default)', () => {
    const facts = attemptFacts(
      signInAttempt({ place: 'tokyo', claim: 'paris', sign: 'none' }),
      config,
      testGeo(),
    );
    expect(facts).toEqual({ clientId: 'web-client', signature: 'missing', at: NOW });
  });

  it('believes an unsigned context where signatures are optional, as the operator chose', () => {
    const optional = testConfig({ contextSignature: 'optional' });
    const facts = attemptFacts(
      signInAttempt({ place: 'tokyo', claim: 'paris', sign: 'none' }),
      optional,
      testGeo(),
    );
    expect(facts).toMatchObject({ signature: 'missing', country: 'FR', ipText: '198.51.100.23' });
  });

  it("identifies the device by Cognito's device key when the app sends one", () => {
    const attempt = signInAttempt();
    attempt.metadata.deviceKey = 'us-east-1_0a1b2c3d-device';
    attempt.metadata.signature = signContext(attempt.metadata, SECRET);
    expect(attemptFacts(attempt, config).deviceId).toBe('us-east-1_0a1b2c3d-device');
  });

  it('locates earlier sign-ins that kept no location by their IP, keeping what they kept', () => {
    const history = {
      ...emptyHistory(),
      signIns: [
        { at: NOW - 1, ip: '203.0.113.10' },
        { at: NOW - 2, ip: '198.51.100.23', country: 'XX' },
        { at: NOW - 3, ip: '192.0.2.200', latitude: 1, longitude: 2 },
        { at: NOW - 4 },
      ],
    };
    expect(locateHistory(history, testGeo()).signIns).toEqual([
      { at: NOW - 1, ip: '203.0.113.10', country: 'US', latitude: 40.7128, longitude: -74.006 },
      { at: NOW - 2, ip: '198.51.100.23', country: 'XX', latitude: 35.6762, longitude: 139.6503 },
      { at: NOW - 3, ip: '192.0.2.200', latitude: 1, longitude: 2, country: 'US' },
      { at: NOW - 4 },
    ]);
    expect(locateHistory(history, undefined)).toBe(history);
  });

  it('works without a database and without an IP', () => {
    const facts = attemptFacts(signInAttempt({ ip: '' }), config);
    expect(facts.ip).toBeUndefined();
    expect(facts.country).toBeUndefined();
  });
});
