import { describe, expect, it } from 'vitest';
import type { RiskReason } from '../../shared/risk/contract.js';
import { distanceKm } from '../../shared/risk/geo.js';
import { canonicalIp, networkOf, parseCidr, parseIp } from '../../shared/risk/ip.js';
import {
  type AttemptFacts,
  CURRENT_SIGN_IN_MARGIN_MS,
  type EvaluationInput,
  emptyHistory,
  type PastSignIn,
  type RiskHistory,
} from '../../shared/risk/model.js';
import { evaluateRisk, inBlockedRange, unavailableDecision } from '../../shared/risk/scoring.js';
import * as signals from '../../shared/risk/signals.js';
import { DAY, HOUR, homeHistory, NOW, PLACES, signInFrom, testConfig } from './support/fixtures.js';

/**
 * The signal edges mutation testing found untested (issue 19): impossible travel when the latest
 * sign-in has no location, a device known only from old sign-ins, the boundaries of each rule,
 * and the details an operator reads.
 */
const config = testConfig();

function facts(overrides: Partial<AttemptFacts> & { ipAddress?: string | null } = {}): AttemptFacts {
  const { ipAddress = PLACES.home.ip, ...rest } = overrides;
  const ip = ipAddress === null ? undefined : parseIp(ipAddress)!;
  return {
    clientId: 'web-client',
    ...(ip ? { ip, ipText: canonicalIp(ip), network: networkOf(ip) } : {}),
    deviceId: 'laptop-1',
    signature: 'valid',
    at: NOW,
    ...rest,
  };
}
const input = (
  attempt: Partial<AttemptFacts> & { ipAddress?: string | null } = {},
  history: RiskHistory = homeHistory(),
): EvaluationInput => ({ attempt: facts(attempt), history });
const only = (reasons: RiskReason[]) =>
  reasons.map(({ signal, points, detail }) => ({ signal, points, detail }));
const tokyo = {
  ipAddress: PLACES.tokyo.ip,
  country: 'JP',
  latitude: PLACES.tokyo.latitude,
  longitude: PLACES.tokyo.longitude,
};
const unlocated = (hoursAgo: number, place: keyof typeof PLACES = 'tokyo'): PastSignIn => {
  const { latitude: _, longitude: __, ...rest } = signInFrom(place, hoursAgo);
  return rest;
};

describe('impossible travel', () => {
  const km = distanceKm(PLACES.home, PLACES.tokyo);

  it('measures from the latest located sign-in when the latest sign-in has no location', () => {
    // An hour ago from somewhere unlocated (no geolocation then), ten hours ago from New York.
    const history = homeHistory(10, {
      signIns: [unlocated(1), signInFrom('home', 10), ...homeHistory(10).signIns],
    });
    expect(only(signals.impossibleTravel(input(tokyo, history), config))).toEqual([
      {
        signal: 'impossible-travel',
        points: 60,
        detail: `${Math.round(km)} km in 600 min (${Math.round(km / 10)} km/h)`,
      },
    ]);
  });

  it('skips a sign-in with only one coordinate too, either one', () => {
    const { longitude: _, ...latitudeOnly } = signInFrom('paris', 1);
    const { latitude: __, ...longitudeOnly } = signInFrom('paris', 1);
    for (const partial of [latitudeOnly, longitudeOnly]) {
      const history = homeHistory(10, { signIns: [partial, signInFrom('home', 10)] });
      expect(signals.impossibleTravel(input(tokyo, history), config)[0]?.detail).toBe(
        `${Math.round(km)} km in 600 min (${Math.round(km / 10)} km/h)`,
      );
    }
  });

  it('says nothing without a located sign-in, or without the attempt’s own coordinates', () => {
    const history = homeHistory(10, { signIns: [unlocated(1), unlocated(5, 'home')] });
    expect(signals.impossibleTravel(input(tokyo, history), config)).toEqual([]);
    const { longitude: _, ...noLongitude } = tokyo;
    expect(signals.impossibleTravel(input(noLongitude), config)).toEqual([]);
    const { latitude: __, ...noLatitude } = tokyo;
    expect(signals.impossibleTravel(input(noLatitude), config)).toEqual([]);
  });

  it('counts a trip of exactly the minimum distance, not one just under it', () => {
    const exact = distanceKm(PLACES.home, PLACES.boston);
    const boston = {
      ipAddress: PLACES.boston.ip,
      latitude: PLACES.boston.latitude,
      longitude: PLACES.boston.longitude,
    };
    const history = homeHistory(10, { signIns: [signInFrom('home', 0.1)] });
    const at = (minKm: number) =>
      signals.impossibleTravel(input(boston, history), testConfig({ travelMinKm: minKm }));
    expect(at(exact).map((r) => r.signal)).toEqual(['impossible-travel']);
    expect(at(exact + 0.001)).toEqual([]);
  });

  it('a band fires above its speed, not at it', () => {
    const history = homeHistory(10, { signIns: [signInFrom('home', 10)] });
    const kmh = km / 10;
    const band = (speed: number) => testConfig({ travelBands: [{ kmh: speed, points: 60 }] });
    expect(signals.impossibleTravel(input(tokyo, history), band(kmh))).toEqual([]);
    expect(signals.impossibleTravel(input(tokyo, history), band(kmh - 0.01))).toHaveLength(1);
  });

  it('counts a sign-in seconds ago as a minute (no division by zero)', () => {
    const history = homeHistory(10, { signIns: [{ ...signInFrom('home', 0), at: NOW - 1000 }] });
    expect(signals.impossibleTravel(input(tokyo, history), config)[0]?.detail).toBe(
      `${Math.round(km)} km in 1 min (${Math.round(km * 60)} km/h)`,
    );
  });
});

describe('new device', () => {
  const oldSignIn = (daysAgo: number, deviceId = 'old-pc'): PastSignIn => ({
    ...signInFrom('home', 0, deviceId),
    at: NOW - daysAgo * DAY,
  });

  it('a device known only from old sign-ins (not in the registry) is "not seen in 30 days"', () => {
    const history = homeHistory(10, { signIns: [oldSignIn(45), ...homeHistory(10).signIns] });
    expect(only(signals.newDevice(input({ deviceId: 'old-pc' }, history), config))).toEqual([
      { signal: 'new-device', points: 20, detail: 'not seen in 30 days' },
    ]);
  });

  it('a device known only from a sign-in within 30 days is not new; the boundary is inclusive', () => {
    for (const days of [10, 30]) {
      const history = homeHistory(10, { signIns: [oldSignIn(days), ...homeHistory(10).signIns] });
      expect(signals.newDevice(input({ deviceId: 'old-pc' }, history), config)).toEqual([]);
    }
    const history = homeHistory(10, {
      signIns: [{ ...oldSignIn(30), at: NOW - 30 * DAY - 1 }, ...homeHistory(10).signIns],
    });
    expect(signals.newDevice(input({ deviceId: 'old-pc' }, history), config)).toHaveLength(1);
  });

  it('a registered device last seen long ago: "not seen", whether or not its first sighting is known', () => {
    for (const device of [
      { id: 'old-pc', firstSeen: NOW - 300 * DAY, lastSeen: NOW - 45 * DAY },
      { id: 'old-pc', lastSeen: NOW - 45 * DAY },
    ]) {
      const history = homeHistory(10, { devices: [device] });
      expect(signals.newDevice(input({ deviceId: 'old-pc' }, history), config)[0]?.detail).toBe(
        'not seen in 30 days',
      );
    }
  });

  it('a device registered by this very sign-in (first seen within the margin) is "never seen"', () => {
    const firstSeen = NOW - CURRENT_SIGN_IN_MARGIN_MS;
    const history = homeHistory(10, { devices: [{ id: 'phone-9', firstSeen, lastSeen: NOW - 45 * DAY }] });
    expect(signals.newDevice(input({ deviceId: 'phone-9' }, history), config)[0]?.detail).toBe('never seen');
    const older = homeHistory(10, {
      devices: [{ id: 'phone-9', firstSeen: firstSeen - 1, lastSeen: NOW - 45 * DAY }],
    });
    expect(signals.newDevice(input({ deviceId: 'phone-9' }, older), config)[0]?.detail).toBe(
      'not seen in 30 days',
    );
  });

  it('a history of devices alone (no sign-in yet) is enough to call a device new', () => {
    const history = {
      ...emptyHistory(),
      devices: [{ id: 'laptop-1', firstSeen: NOW - 9 * DAY, lastSeen: NOW - DAY }],
    };
    expect(only(signals.newDevice(input({ deviceId: 'phone-9' }, history), config))).toEqual([
      { signal: 'new-device', points: 20, detail: 'never seen' },
    ]);
    expect(signals.newDevice(input({ deviceId: 'phone-9' }, emptyHistory()), config)).toEqual([]);
  });

  it("without a device id, Cognito's new-device flag decides, and says so", () => {
    expect(only(signals.newDevice(input({ deviceId: undefined, newDeviceUsed: true }), config))).toEqual([
      { signal: 'new-device', points: 20, detail: 'never seen (Cognito)' },
    ]);
    expect(signals.newDevice(input({ deviceId: undefined, newDeviceUsed: false }), config)).toEqual([]);
  });

  it('a device the operator trusted: a zero-point reason saying why', () => {
    const history = homeHistory(10, { trustedDevices: ['phone-9'] });
    expect(only(signals.newDevice(input({ deviceId: 'phone-9' }, history), config))).toEqual([
      { signal: 'trusted-device', points: 0, detail: 'operator feedback' },
    ]);
  });
});

describe('new network', () => {
  const twoPlaces = homeHistory(10, { signIns: [signInFrom('tokyo', 2), signInFrom('home', 5)] });

  it('an address used before, even if not by the latest sign-in, is not new', () => {
    expect(signals.newNetwork(input({ ipAddress: PLACES.home.ip }, twoPlaces), config)).toEqual([]);
  });

  it('a new address in a network used before, even if not the latest: few points, the network named', () => {
    expect(
      only(signals.newNetwork(input({ ipAddress: PLACES.homeNeighbour.ip }, twoPlaces), config)),
    ).toEqual([{ signal: 'new-address', points: 5, detail: 'in known network 203.0.113.0/24' }]);
  });

  it('a new network: full points, the network named; a trusted one: zero points and why', () => {
    expect(only(signals.newNetwork(input({ ipAddress: PLACES.berlin.ip }, twoPlaces), config))).toEqual([
      { signal: 'new-network', points: 15, detail: '100.64.3.0/24' },
    ]);
    const trusted = { ...twoPlaces, trustedNetworks: ['100.64.3.0/24'] };
    expect(only(signals.newNetwork(input({ ipAddress: PLACES.berlin.ip }, trusted), config))).toEqual([
      { signal: 'trusted-network', points: 0, detail: 'operator feedback' },
    ]);
  });
});

describe('unfamiliar lockout', () => {
  const lockedAgo = (ms: number) => homeHistory(10, { unfamiliarLockoutAt: NOW - ms });
  const berlin = { ipAddress: PLACES.berlin.ip };

  it('fires for a day after the lock, from a network the user never used, saying how long ago', () => {
    expect(only(signals.unfamiliarLockout(input(berlin, lockedAgo(HOUR)), config))).toEqual([
      { signal: 'unfamiliar-lockout', points: 20, detail: 'locked 60 min ago' },
    ]);
    expect(signals.unfamiliarLockout(input(berlin, lockedAgo(DAY)), config)).toHaveLength(1);
    expect(signals.unfamiliarLockout(input(berlin, lockedAgo(DAY + 1)), config)).toEqual([]);
  });

  it('a lock recorded a moment after the attempt reads as 0 minutes, never negative', () => {
    expect(signals.unfamiliarLockout(input(berlin, lockedAgo(-5 * 60_000)), config)[0]?.detail).toBe(
      'locked 0 min ago',
    );
  });

  it('not from a network the user signed in from (any of them), but from an unknown IP too', () => {
    const history = homeHistory(10, {
      signIns: [signInFrom('tokyo', 2), signInFrom('home', 5)],
      unfamiliarLockoutAt: NOW - HOUR,
    });
    expect(signals.unfamiliarLockout(input({ ipAddress: PLACES.home.ip }, history), config)).toEqual([]);
    expect(signals.unfamiliarLockout(input({ ipAddress: null }, history), config)).toHaveLength(1);
    expect(signals.unfamiliarLockout(input(berlin, homeHistory()), config)).toEqual([]);
  });
});

describe('what each reason tells the operator', () => {
  it.each([
    [
      'user-failed-attempts',
      () => signals.userFailedAttempts(input({}, homeHistory(10, { userFailures: 7 })), config),
      '7 in 15 min',
    ],
    [
      'ip-failed-attempts',
      () => signals.ipFailedAttempts({ ...input(), ipActivity: { failures: 40, accounts: 1 } }, config),
      '40 in 15 min',
    ],
    [
      'ip-many-accounts',
      () => signals.ipManyAccounts({ ...input(), ipActivity: { failures: 0, accounts: 25 } }, config),
      '25 accounts in 15 min',
    ],
    [
      'ip-failed-invites',
      () =>
        signals.ipFailedInvites(
          { ...input(), ipActivity: { failures: 0, accounts: 1, failedInvites: 4 } },
          config,
        ),
      '4 refused',
    ],
    [
      'unusual-hour',
      () => signals.unusualHour(input({ at: Date.UTC(2026, 10, 20, 3, 0, 0) }), config),
      '3:00 UTC',
    ],
  ])('%s', (signal, run, detail) => {
    expect(run()).toEqual([expect.objectContaining({ signal, detail })]);
  });
});

describe('the engine around the signals', () => {
  const ranges = (...texts: string[]) => texts.map((t) => parseCidr(t)!);

  it('inBlockedRange: an attempt without a believed IP is in no range, even 0.0.0.0/0', () => {
    const cfg = testConfig({ blockedRanges: ranges('0.0.0.0/0', '::/0') });
    expect(inBlockedRange(facts({ ipAddress: null }), cfg)).toBe(false);
    expect(inBlockedRange(facts({ ipAddress: PLACES.berlin.ip }), cfg)).toBe(true);
  });

  it('an attempt without a believed IP is never in a blocked or allowed range (and does not fail)', () => {
    const cfg = testConfig({ blockedRanges: ranges('0.0.0.0/0'), allowedRanges: ranges('0.0.0.0/0') });
    const decision = evaluateRisk(input({ ipAddress: null }), cfg);
    expect(decision.reasons.map((r) => r.signal)).not.toContain('blocked-range');
    expect(decision.reasons.map((r) => r.signal)).not.toContain('allowed-range');
  });

  it('an allowed range lets in only a signed IP: an unsigned claim of one is scored as usual', () => {
    const cfg = testConfig({ allowedRanges: ranges('100.64.0.0/16'), contextSignature: 'optional' });
    const signed = evaluateRisk(input({ ipAddress: PLACES.berlin.ip, signature: 'valid' }), cfg);
    expect(signed.reasons).toEqual([{ signal: 'allowed-range', points: 0 }]);
    const unsigned = evaluateRisk(input({ ipAddress: PLACES.berlin.ip, signature: 'missing' }), cfg);
    expect(unsigned.reasons.map((r) => r.signal)).toEqual(['new-network']);
  });

  it.each([
    ['high', 70, 'block'],
    ['medium', 35, 'step-up'],
    ['low', 0, 'allow'],
  ] as const)(
    'the history unavailable at level %s: its threshold as the score, its action',
    (level, score, action) => {
      expect(unavailableDecision(testConfig({ unavailableLevel: level }), 'down')).toEqual({
        level,
        score,
        action,
        reasons: [{ signal: 'assessment-unavailable', points: score, detail: 'down' }],
      });
    },
  );
});
