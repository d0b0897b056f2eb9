import { describe, expect, it } from 'vitest';
import type { RiskReason } from '../../shared/risk/contract.js';
import { canonicalIp, networkOf, parseCidr, parseIp } from '../../shared/risk/ip.js';
import {
  type AttemptFacts,
  type EvaluationInput,
  emptyHistory,
  type RiskHistory,
} from '../../shared/risk/model.js';
import * as signals from '../../shared/risk/signals.js';
import { DAY, HOUR, homeHistory, NOW, signInFrom, testConfig } from './support/fixtures.js';

/** Every signal at its thresholds: just below (silent) and at or just past (fires). */
const config = testConfig();

function facts(overrides: Partial<AttemptFacts> & { ipAddress?: string } = {}): AttemptFacts {
  const { ipAddress = '203.0.113.10', ...rest } = overrides;
  const ip = parseIp(ipAddress)!;
  return {
    clientId: 'web-client',
    ip,
    ipText: canonicalIp(ip),
    network: networkOf(ip),
    deviceId: 'laptop-1',
    signature: 'missing',
    at: NOW,
    ...rest,
  };
}

const input = (
  attempt: Partial<AttemptFacts> & { ipAddress?: string } = {},
  history: RiskHistory = homeHistory(),
): EvaluationInput => ({
  attempt: facts(attempt),
  history,
});
const names = (reasons: RiskReason[]) => reasons.map((r) => r.signal);

describe('blocked range', () => {
  const cfg = testConfig({
    blockedRanges: ['203.0.113.0/25', '2001:db8:bad::/48'].map((t) => parseCidr(t)!),
  });
  it.each([
    ['203.0.113.0', true],
    ['203.0.113.127', true],
    ['203.0.113.128', false],
    ['::ffff:203.0.113.5', true],
    ['2001:db8:bad:ffff::1', true],
    ['2001:db8:bae::1', false],
  ])('%s blocked: %s', (ip, blocked) => {
    expect(names(signals.blockedRange(input({ ipAddress: ip }), cfg))).toEqual(
      blocked ? ['blocked-range'] : [],
    );
  });
});

describe('compromised credentials', () => {
  it.each([
    [true, ['compromised-credentials']],
    [false, []],
  ])('flag %s', (flag, expected) => {
    expect(
      names(
        signals.compromisedCredentials(input({}, homeHistory(3, { compromisedCredentials: flag })), config),
      ),
    ).toEqual(expected);
  });
});

describe('signed context', () => {
  it.each([
    ['valid', 'required', 'web-client', []],
    ['missing', 'optional', 'web-client', []],
    ['missing', 'required', 'web-client', ['context-missing']],
    ['missing', 'required', 'exempt-client', []],
    ['forged', 'optional', 'web-client', ['context-forged']],
    ['forged', 'required', 'exempt-client', ['context-forged']],
    ['stale', 'optional', 'web-client', ['context-stale']],
  ] as const)('%s signature, %s, client %s', (signature, mode, clientId, expected) => {
    const cfg = testConfig({ contextSignature: mode, unsignedContextClients: ['exempt-client'] });
    expect(names(signals.signedContext(input({ signature, clientId }), cfg))).toEqual(expected);
  });
});

describe('automated user agent', () => {
  it.each([
    ['curl/8.5.0', true],
    ['python-requests/2.32.3', true],
    ['Go-http-client/2.0', true],
    ['Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/126.0.0.0', true],
    ['Googlebot/2.1 (+http://www.google.com/bot.html)', true],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148', false],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0.0.0 Safari/537.36', false],
    [undefined, false],
  ])('%s automated: %s', (userAgent, automated) => {
    const reasons = signals.automatedUserAgent(input(userAgent ? { userAgent } : {}), config);
    expect(names(reasons)).toEqual(automated ? ['automated-user-agent'] : []);
  });
});

describe('distrusted device and network', () => {
  it.each([
    [{ distrustedDevices: ['laptop-1'] }, ['distrusted-device']],
    [{ distrustedNetworks: ['203.0.113.0/24'] }, ['distrusted-network']],
    [
      { distrustedDevices: ['laptop-1'], distrustedNetworks: ['203.0.113.0/24'] },
      ['distrusted-device', 'distrusted-network'],
    ],
    [{ distrustedDevices: ['other'], distrustedNetworks: ['203.0.114.0/24'] }, []],
  ])('%j', (feedback, expected) => {
    expect(names(signals.distrusted(input({}, homeHistory(3, feedback)), config))).toEqual(expected);
  });
});

describe('new device', () => {
  const lastSeenAgo = (ms: number): RiskHistory => ({
    ...emptyHistory(),
    signIns: [signInFrom('home', 24 * 60, 'other-device')],
    devices: [{ id: 'laptop-1', firstSeen: NOW - 400 * DAY, lastSeen: NOW - ms }],
  });
  it.each([
    ['seen exactly 30 days ago', lastSeenAgo(30 * DAY), []],
    ['seen 30 days and 1 ms ago', lastSeenAgo(30 * DAY + 1), ['new-device: not seen in 30 days']],
    [
      'never seen',
      homeHistory(3, {
        devices: [],
        signIns: homeHistory(3).signIns.map((s) => ({ ...s, deviceId: 'other' })),
      }),
      ['new-device: never seen'],
    ],
    [
      'trusted by an operator',
      homeHistory(3, { devices: [], trustedDevices: ['laptop-1'] }),
      ['trusted-device: operator feedback'],
    ],
    ['no history at all', emptyHistory(), []],
  ])('%s', (_, history, expected) => {
    const reasons = signals.newDevice(input({}, history), config);
    expect(reasons.map((r) => `${r.signal}: ${r.detail}`)).toEqual(expected);
  });

  it.each([
    [true, ['new-device']],
    [false, []],
    [undefined, []],
  ])('without a device id, Cognito newDeviceUsed=%s', (newDeviceUsed, expected) => {
    const attempt = facts(newDeviceUsed === undefined ? {} : { newDeviceUsed });
    delete attempt.deviceId;
    expect(names(signals.newDevice({ attempt, history: homeHistory(3) }, config))).toEqual(expected);
  });
});

describe('new network', () => {
  it.each([
    ['203.0.113.10', []],
    ['203.0.113.255', ['new-address']],
    ['203.0.114.0', ['new-network']],
    ['::ffff:203.0.113.10', []],
  ])('%s after sign-ins from 203.0.113.10', (ip, expected) => {
    expect(names(signals.newNetwork(input({ ipAddress: ip }), config))).toEqual(expected);
  });

  it.each([
    ['2001:db8:2:ffff::1', ['new-address']],
    ['2001:db8:3::9', ['new-network']],
  ])('%s after a sign-in from 2001:db8:2::9 (a /48)', (ip, expected) => {
    const history = { ...emptyHistory(), signIns: [signInFrom('boston', 24)] };
    expect(names(signals.newNetwork(input({ ipAddress: ip }, history), config))).toEqual(expected);
  });

  it('is silent without history or without an IP', () => {
    expect(signals.newNetwork(input({ ipAddress: '198.51.100.1' }, emptyHistory()), config)).toEqual([]);
    const attempt = facts();
    delete attempt.ip;
    delete attempt.ipText;
    delete attempt.network;
    expect(signals.newNetwork({ attempt, history: homeHistory() }, config)).toEqual([]);
  });

  it('says trusted for a network an operator marked valid', () => {
    const history = homeHistory(3, { trustedNetworks: ['198.51.100.0/24'] });
    expect(names(signals.newNetwork(input({ ipAddress: '198.51.100.1' }, history), config))).toEqual([
      'trusted-network',
    ]);
  });
});

describe('unfamiliar country', () => {
  it.each([
    ['US', []],
    ['JP', ['unfamiliar-country']],
    [undefined, []],
  ])('%s after sign-ins from the US', (country, expected) => {
    expect(names(signals.unfamiliarCountry(input(country ? { country } : {}), config))).toEqual(expected);
  });

  it('is silent when no earlier sign-in had a country', () => {
    const history = { ...emptyHistory(), signIns: [{ at: NOW - DAY }] };
    expect(signals.unfamiliarCountry(input({ country: 'JP' }, history), config)).toEqual([]);
  });
});

describe('impossible travel', () => {
  // From New York, eastwards along the parallel: a trip of `km` at `kmh`.
  const from = signInFrom('home', 0);
  const trip = (km: number, kmh: number) => {
    const hours = km / kmh;
    const longitude = from.longitude! + km / (111.195 * Math.cos((from.latitude! * Math.PI) / 180));
    const history = { ...emptyHistory(), signIns: [{ ...from, at: NOW - hours * HOUR }] };
    return input({ latitude: from.latitude!, longitude }, history);
  };
  it.each([
    [2000, 1010, 60],
    [2000, 990, 35],
    [2000, 810, 35],
    [2000, 790, 15],
    [2000, 510, 15],
    [2000, 490, 0],
    [99, 10_000, 0], // under travelMinKm: coarse geolocation, not travel
    [101, 10_000, 60],
  ])('%s km at %s km/h gives %s points', (km, kmh, points) => {
    const reasons = signals.impossibleTravel(trip(km, kmh), config);
    expect(reasons.reduce((sum, r) => sum + r.points, 0)).toBe(points);
  });

  it('treats a trip within a minute as taking a minute (no division by zero)', () => {
    const history = { ...emptyHistory(), signIns: [{ ...from, at: NOW }] };
    const tokyo = input({ latitude: 35.6762, longitude: 139.6503 }, history);
    expect(signals.impossibleTravel(tokyo, config)[0]).toMatchObject({
      signal: 'impossible-travel',
      points: 60,
    });
  });
});

describe('failed-attempt velocity and credential stuffing', () => {
  it.each([
    [4, []],
    [5, ['user-failed-attempts']],
  ])('%s earlier failures on the account', (userFailures, expected) => {
    expect(names(signals.userFailedAttempts(input({}, homeHistory(3, { userFailures })), config))).toEqual(
      expected,
    );
  });

  it.each([
    [19, []],
    [20, ['ip-failed-attempts']],
  ])('%s failures from the IP', (failures, expected) => {
    expect(
      names(signals.ipFailedAttempts({ ...input(), ipActivity: { failures, accounts: 1 } }, config)),
    ).toEqual(expected);
  });

  it.each([
    [4, []],
    [5, ['ip-many-accounts']],
  ])('%s accounts from the IP', (accounts, expected) => {
    expect(
      names(signals.ipManyAccounts({ ...input(), ipActivity: { failures: 0, accounts } }, config)),
    ).toEqual(expected);
  });

  it.each([
    [undefined, []],
    [0, []],
    [2, []],
    [3, ['ip-failed-invites']],
  ])('%s invitation codes refused from the IP (RISK_IP_FAILED_INVITES 3)', (failedInvites, expected) => {
    const ipActivity = {
      failures: 0,
      accounts: 1,
      ...(failedInvites === undefined ? {} : { failedInvites }),
    };
    expect(names(signals.ipFailedInvites({ ...input(), ipActivity }, config))).toEqual(expected);
  });

  it('is silent without IP activity', () => {
    expect(signals.ipFailedAttempts(input(), config)).toEqual([]);
    expect(signals.ipManyAccounts(input(), config)).toEqual([]);
    expect(signals.ipFailedInvites(input(), config)).toEqual([]);
  });
});

describe('unusual hour', () => {
  const at = (hour: number) => Date.UTC(2026, 10, 20, hour, 30);
  const history = (count: number, hour: number): RiskHistory => ({
    ...emptyHistory(),
    signIns: Array.from({ length: count }, (_, i) => ({ at: at(hour) - (i + 1) * DAY })),
  });
  it.each([
    ['4 sign-ins at 12:30, now 03:30', history(4, 12), at(3), []],
    ['5 sign-ins at 12:30, now 03:30', history(5, 12), at(3), ['unusual-hour']],
    ['5 sign-ins at 12:30, now 13:30 (within an hour)', history(5, 12), at(13), []],
    ['5 sign-ins at 12:30, now 14:30 (two hours off)', history(5, 12), at(14), ['unusual-hour']],
    ['5 sign-ins at 23:30, now 00:30 (across midnight)', history(5, 23), at(0), []],
  ])('%s', (_, h, now, expected) => {
    expect(names(signals.unusualHour(input({ at: now }, h), config))).toEqual(expected);
  });
});

describe('weights', () => {
  it('takes points from the configured weights; 0 turns a signal off', () => {
    const cfg = testConfig({ weights: { ...config.weights, newNetwork: 33, automatedUserAgent: 0 } });
    expect(signals.newNetwork(input({ ipAddress: '198.51.100.1' }), cfg)).toEqual([
      { signal: 'new-network', points: 33, detail: '198.51.100.0/24' },
    ]);
    expect(signals.automatedUserAgent(input({ userAgent: 'curl/8' }), cfg)).toEqual([]);
  });
});
