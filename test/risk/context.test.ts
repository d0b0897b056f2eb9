import { describe, expect, it } from 'vitest';
import { canonicalContext, contextFields, signContext, verifyContext } from '../../shared/risk/context.js';
import { attemptFacts, locateHistory } from '../../shared/risk/facts.js';
import { emptyHistory } from '../../shared/risk/model.js';
import { NOW, SECRET, signInAttempt, testConfig, testGeo, USER } from './support/fixtures.js';

const fields = {
  ip: '203.0.113.10',
  userAgent: 'Mozilla/5.0',
  deviceId: 'laptop-1',
  timestamp: String(NOW / 1000),
};
const signed = (overrides: Record<string, string> = {}, secret = SECRET, user = USER) => {
  const f = { ...fields, ...overrides };
  return { ...f, signature: signContext(f, user, secret) };
};

describe('signed context', () => {
  it('signs a documented canonical text', () => {
    expect(canonicalContext(fields, 'Ann@Example.org')).toBe(
      [
        'gatehouse-context-v1',
        'user=ann@example.org',
        'ip=203.0.113.10',
        'userAgent=Mozilla/5.0',
        'deviceId=laptop-1',
        'deviceKey=',
        'country=',
        'latitude=',
        'longitude=',
        `timestamp=${NOW / 1000}`,
      ].join('\n'),
    );
  });

  it.each([
    ['a valid signature', signed(), SECRET, NOW, 'valid'],
    ['no signature', fields, SECRET, NOW, 'missing'],
    ['another secret', signed({}, 'another-secret-of-at-least-32-chars!!'), SECRET, NOW, 'forged'],
    ['a changed field', { ...signed(), ip: '198.51.100.1' }, SECRET, NOW, 'forged'],
    ['another user', signed({}, SECRET, 'bob@example.org'), SECRET, NOW, 'forged'],
    ['garbage', { ...fields, signature: 'not-hex' }, SECRET, NOW, 'forged'],
    ['no secret configured', signed(), undefined, NOW, 'forged'],
    ['exactly max age old', signed(), SECRET, NOW + 300_000, 'valid'],
    ['one second past max age', signed(), SECRET, NOW + 301_000, 'stale'],
    ['one second past max age in the future', signed(), SECRET, NOW - 301_000, 'stale'],
    ['a non-numeric timestamp', signed({ timestamp: 'yesterday' }), SECRET, NOW, 'stale'],
    ['a timestamp in milliseconds', signed({ timestamp: String(NOW) }), SECRET, NOW + 300_000, 'valid'],
    ['a stale timestamp in milliseconds', signed({ timestamp: String(NOW) }), SECRET, NOW + 301_000, 'stale'],
  ] as const)('%s: %s', (_, context, secret, now, expected) => {
    expect(verifyContext(context, USER, secret, 300, now)).toBe(expected);
  });

  it('reads only string context fields from the metadata', () => {
    expect(
      contextFields({ ip: '1.2.3.4', deviceId: 7 as unknown as string, other: 'x', country: '' }),
    ).toEqual({ ip: '1.2.3.4' });
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
    expect(facts).toMatchObject({ signature: 'forged', country: 'JP', latitude: 35.6762 });
  });

  it('does not believe an unsigned location where signatures are required', () => {
    const required = testConfig({ contextSignature: 'required' });
    const facts = attemptFacts(signInAttempt({ place: 'tokyo', claim: 'paris' }), required, testGeo());
    expect(facts).toMatchObject({ signature: 'missing', country: 'JP' });
  });

  it("identifies the device by Cognito's device key when the app sends one", () => {
    const attempt = signInAttempt();
    attempt.metadata.deviceKey = 'us-east-1_0a1b2c3d-device';
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
