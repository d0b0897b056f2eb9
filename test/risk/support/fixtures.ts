import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signContext } from '../../../shared/risk/context.js';
import type { SignInAttempt } from '../../../shared/risk/contract.js';
import { attemptFacts } from '../../../shared/risk/facts.js';
import { type GeoLookup, mmdbLookup } from '../../../shared/risk/geo.js';
import { canonicalIp, networkOf, parseIp } from '../../../shared/risk/ip.js';
import {
  type EvaluationInput,
  emptyHistory,
  type IpActivity,
  type PastSignIn,
  type RiskHistory,
} from '../../../shared/risk/model.js';
import { type RiskConfig, riskConfig } from '../../../shared/risk/settings.js';
import { buildMmdb, cityRecord } from './mmdb.js';

/** Fixed clock of the scenarios: Friday 20 November 2026, 14:00 UTC. */
export const NOW = Date.UTC(2026, 10, 20, 14, 0, 0);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const SECRET = 'a-shared-secret-of-at-least-32-characters!';
export const USER = 'ann@example.org';

/** Places the test database knows, by the IP ranges that lead there. */
export const PLACES = {
  home: { ip: '203.0.113.10', country: 'US', latitude: 40.7128, longitude: -74.006 }, // New York
  homeNeighbour: { ip: '203.0.113.77', country: 'US', latitude: 40.7128, longitude: -74.006 },
  mobileSameCity: { ip: '192.0.2.44', country: 'US', latitude: 40.6782, longitude: -73.9442 }, // Brooklyn
  boston: { ip: '2001:db8:2::9', country: 'US', latitude: 42.3601, longitude: -71.0589 },
  tokyo: { ip: '198.51.100.23', country: 'JP', latitude: 35.6762, longitude: 139.6503 },
  paris: { ip: '2001:db8:1::5', country: 'FR', latitude: 48.8566, longitude: 2.3522 },
  berlin: { ip: '100.64.3.4', country: 'DE', latitude: 52.52, longitude: 13.405 },
} as const;
export type Place = keyof typeof PLACES;

let geoLookup: GeoLookup | undefined;

/** The tiny geolocation database the tests build (a real .mmdb read by the `maxmind` reader). */
export function testGeo(): GeoLookup {
  if (geoLookup) return geoLookup;
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-geo-'));
  const path = join(dir, 'test-city.mmdb');
  writeFileSync(path, testGeoDatabase());
  geoLookup = mmdbLookup(path);
  return geoLookup;
}

export function testGeoDatabase(): Buffer {
  const p = PLACES;
  return buildMmdb({
    '203.0.113.0/24': cityRecord('US', p.home.latitude, p.home.longitude),
    '192.0.2.0/24': cityRecord('US', p.mobileSameCity.latitude, p.mobileSameCity.longitude),
    '2001:db8:2::/48': cityRecord('US', p.boston.latitude, p.boston.longitude),
    '198.51.100.0/24': cityRecord('JP', p.tokyo.latitude, p.tokyo.longitude),
    '2001:db8:1::/48': cityRecord('FR', p.paris.latitude, p.paris.longitude),
    '100.64.0.0/16': cityRecord('DE', p.berlin.latitude, p.berlin.longitude),
  });
}

/** A past successful sign-in from a place, `hoursAgo` before NOW, on a device. */
export function signInFrom(place: Place, hoursAgo: number, deviceId = 'laptop-1'): PastSignIn {
  const { ip, country, latitude, longitude } = PLACES[place];
  const parsed = parseIp(ip)!;
  return {
    at: NOW - hoursAgo * HOUR,
    ip: canonicalIp(parsed),
    network: networkOf(parsed),
    country,
    latitude,
    longitude,
    deviceId,
  };
}

/** A returning user: `count` sign-ins from home on the laptop, one a day at 09:00-17:00 UTC. */
export function homeHistory(count = 10, overrides: Partial<RiskHistory> = {}): RiskHistory {
  const signIns = Array.from({ length: count }, (_, i) => {
    const day = Math.floor(NOW / DAY) - (i + 1);
    const at = day * DAY + (9 + (i % 9)) * HOUR;
    return { ...signInFrom('home', 0), at };
  });
  return {
    ...emptyHistory(),
    signIns,
    devices: [{ id: 'laptop-1', firstSeen: NOW - 200 * DAY, lastSeen: signIns[0]?.at ?? NOW - DAY }],
    ...overrides,
  };
}

export interface AttemptOptions {
  place?: Place;
  ip?: string;
  deviceId?: string | null;
  userAgent?: string;
  at?: number;
  clientId?: string;
  /**
   * `valid` (the default) signs the context with SECRET, as the context endpoint does; `forge`
   * signs with another secret; `stale` signs an old timestamp; `none` leaves it unsigned.
   */
  sign?: 'valid' | 'forge' | 'stale' | 'none';
  /** Coordinates and country claimed by the context. */
  claim?: Place;
  newDeviceUsed?: boolean;
  /** The context's nonce (the id of pre authentication's assessment). */
  nonce?: string;
}

/** The attempt as the triggers hand it to the hooks. */
export function signInAttempt(options: AttemptOptions = {}): SignInAttempt {
  const at = options.at ?? NOW;
  const metadata: Record<string, string> = {};
  const ip = options.ip ?? PLACES[options.place ?? 'home'].ip;
  if (ip) metadata.ip = ip;
  metadata.userAgent =
    options.userAgent ?? 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15';
  if (options.deviceId !== null) metadata.deviceId = options.deviceId ?? 'laptop-1';
  if (options.claim) {
    const place = PLACES[options.claim];
    metadata.country = place.country;
    metadata.latitude = String(place.latitude);
    metadata.longitude = String(place.longitude);
  }
  const clientId = options.clientId ?? 'web-client';
  if (options.nonce) metadata.nonce = options.nonce;
  const sign = options.sign ?? 'valid';
  if (sign !== 'none') {
    const timestamp = sign === 'stale' ? at - 3600_000 : at;
    metadata.username = USER;
    metadata.clientId = clientId;
    metadata.timestamp = String(Math.floor(timestamp / 1000));
    metadata.signature = signContext(metadata, sign === 'forge' ? `${SECRET}-but-not-quite` : SECRET);
  }
  return {
    userPoolId: 'us-east-1_EXAMPLE',
    clientId,
    userName: USER,
    userId: '8f3c2a1e-5b7d-4c9a-9e21-3d4f5a6b7c8d',
    userAttributes: { sub: '8f3c2a1e-5b7d-4c9a-9e21-3d4f5a6b7c8d', email: USER },
    userNotFound: false,
    metadata,
    ...(options.newDeviceUsed !== undefined ? { newDeviceUsed: options.newDeviceUsed } : {}),
    at,
  };
}

/** Default settings with a context secret, plus overrides. */
export function testConfig(overrides: Partial<RiskConfig> = {}): RiskConfig {
  return riskConfig({ contextSecret: SECRET, mode: 'enforce', ...overrides });
}

/** The engine's input, through the same fact-finding as production (context, signature, geo). */
export function evaluationInput(
  options: AttemptOptions,
  history: RiskHistory,
  config: RiskConfig,
  ipActivity?: IpActivity,
): EvaluationInput {
  return {
    attempt: attemptFacts(signInAttempt(options), config, testGeo()),
    history,
    ...(ipActivity ? { ipActivity } : {}),
  };
}
