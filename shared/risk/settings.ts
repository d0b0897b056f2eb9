import * as v from 'valibot';
import { loadSettings, setting } from '../config/settings.js';
import { ConfigError } from '../errors/index.js';
import { type Cidr, parseCidr } from './ip.js';

/** The adaptive-risk engine's settings. Every number here is documented in the README's "Adaptive risk". */

const level = v.picklist(['low', 'medium', 'high']);
const action = v.picklist(['allow', 'step-up', 'block', 'notify']);
const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const points = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100));
const cidrList = v.array(
  v.pipe(
    v.string(),
    v.check(
      (text) => parseCidr(text) !== undefined,
      'must be a CIDR range such as 203.0.113.0/24 or 2001:db8::/32',
    ),
  ),
);

/** Points each signal adds when it fires (0 turns a signal off). */
export const DEFAULT_WEIGHTS = {
  blockedRange: 100,
  compromisedCredentials: 70,
  contextMissing: 35,
  contextForged: 50,
  contextStale: 35,
  contextReplayed: 50,
  automatedUserAgent: 30,
  distrustedDevice: 40,
  distrustedNetwork: 40,
  newDevice: 20,
  newNetwork: 15,
  newAddress: 5,
  unfamiliarCountry: 20,
  userFailedAttempts: 25,
  unfamiliarLockout: 20,
  ipFailedAttempts: 25,
  ipManyAccounts: 50,
  ipFailedInvites: 30,
  unusualHour: 10,
};
export type SignalWeights = typeof DEFAULT_WEIGHTS;

/** Impossible travel: the first band whose speed the trip exceeds gives its points (Keycloak's bands). */
export const DEFAULT_TRAVEL_BANDS = [
  { kmh: 1000, points: 60 },
  { kmh: 800, points: 35 },
  { kmh: 500, points: 15 },
];

/** User agents of scripts, crawlers and headless browsers (case-insensitive regular expressions). */
export const DEFAULT_AUTOMATED_AGENTS = [
  'curl/',
  'wget/',
  'python-requests',
  'python-urllib',
  'aiohttp',
  'httpx',
  'go-http-client',
  'okhttp',
  'java/',
  'apache-httpclient',
  'libwww-perl',
  'node-fetch',
  'axios/',
  'postmanruntime',
  'scrapy',
  'headlesschrome',
  'phantomjs',
  'selenium',
  'puppeteer',
  'playwright',
  'bot\\b',
  'crawler',
  'spider',
];

export const riskSettingSpecs = {
  mode: setting({
    env: 'RISK_MODE',
    schema: v.picklist(['audit', 'enforce']),
    default: 'audit',
    doc: 'audit: score, record and log every sign-in, never act; enforce: take the action of the level.',
  }),
  mediumThreshold: setting({
    env: 'RISK_MEDIUM_THRESHOLD',
    schema: points,
    default: 35,
    doc: 'Score (0-100) from which a sign-in is medium risk.',
  }),
  highThreshold: setting({
    env: 'RISK_HIGH_THRESHOLD',
    schema: points,
    default: 70,
    doc: 'Score (0-100) from which a sign-in is high risk.',
  }),
  actions: setting({
    file: 'risk.actions',
    schema: v.object({ low: action, medium: action, high: action }),
    default: { low: 'allow', medium: 'step-up', high: 'block' } as Record<
      'low' | 'medium' | 'high',
      'allow' | 'step-up' | 'block' | 'notify'
    >,
    doc: 'Action per level in enforce mode: allow, step-up (second factor), block, notify (allow and mail the user).',
  }),
  weights: setting({
    file: 'risk.weights',
    schema: v.partial(
      v.object(
        Object.fromEntries(Object.keys(DEFAULT_WEIGHTS).map((k) => [k, points])) as Record<
          keyof SignalWeights,
          typeof points
        >,
      ),
    ),
    default: {},
    doc: 'Points per signal, merged over the defaults (e.g. {"newDevice": 25}); 0 turns a signal off.',
  }),
  travelBands: setting({
    file: 'risk.travelBands',
    schema: v.array(v.object({ kmh: positiveInt, points })),
    default: DEFAULT_TRAVEL_BANDS,
    doc: 'Impossible travel: speed bands (km/h) since the last successful sign-in and their points.',
  }),
  travelMinKm: setting({
    env: 'RISK_TRAVEL_MIN_KM',
    schema: v.pipe(v.number(), v.minValue(0)),
    default: 100,
    doc: 'Trips shorter than this (km) never count as travel (geolocation is coarse).',
  }),
  unavailableLevel: setting({
    env: 'RISK_UNAVAILABLE_LEVEL',
    schema: level,
    default: 'medium',
    doc: 'Level given to a sign-in whose history cannot be read ("assessment unavailable").',
  }),
  contextSecret: setting({
    env: 'RISK_CONTEXT_SECRET',
    schema: v.optional(v.pipe(v.string(), v.minLength(32, 'must be at least 32 characters'))),
    default: undefined,
    doc: "Shared secret (32+ characters) of the HMAC-SHA256 that the context endpoint (and an app's own backend) signs the sign-in context with. Local runs; a deployment reads it from Secrets Manager (`RISK_CONTEXT_SECRET_ID`).",
  }),
  contextSecretId: setting({
    env: 'RISK_CONTEXT_SECRET_ID',
    schema: v.optional(v.pipe(v.string(), v.minLength(1))),
    default: undefined,
    doc: 'Secrets Manager secret (name or ARN) holding the context key in a deployment, read before each invocation (cached 5 minutes); its AWSPREVIOUS version still verifies during a rotation. Set by serverless.yml.',
  }),
  contextSignature: setting({
    env: 'RISK_CONTEXT_SIGNATURE',
    schema: v.picklist(['required', 'optional']),
    default: 'required',
    doc: 'required: an unsigned context is a risk signal and none of its claims is used (except for the clients listed below); optional: its claims are accepted (never for per-IP counters or allowed ranges).',
  }),
  unsignedContextClients: setting({
    file: 'risk.unsignedContextClients',
    schema: v.array(v.string()),
    default: [],
    doc: 'App client ids whose unsigned context is accepted even when signatures are required.',
  }),
  contextMaxAgeSeconds: setting({
    env: 'RISK_CONTEXT_MAX_AGE_SECONDS',
    schema: positiveInt,
    default: 300,
    doc: 'A signed context older (or further in the future) than this is stale.',
  }),
  geoDatabase: setting({
    env: 'RISK_GEOIP_DATABASE',
    schema: v.optional(v.pipe(v.string(), v.minLength(1))),
    default: undefined,
    doc: 'Path of a MaxMind-format (.mmdb) city or country database, e.g. a layer at /opt/GeoLite2-City.mmdb.',
  }),
  newDeviceDays: setting({
    env: 'RISK_NEW_DEVICE_DAYS',
    schema: positiveInt,
    default: 30,
    doc: 'A device not seen for this many days counts as new.',
  }),
  windowMinutes: setting({
    env: 'RISK_WINDOW_MINUTES',
    schema: positiveInt,
    default: 15,
    doc: 'Length of the fixed windows that count attempts per user and per IP.',
  }),
  userFailedAttempts: setting({
    env: 'RISK_USER_FAILED_ATTEMPTS',
    schema: positiveInt,
    default: 5,
    doc: 'Attempts without a success on one account in a window from which the account is under attack.',
  }),
  ipFailedAttempts: setting({
    env: 'RISK_IP_FAILED_ATTEMPTS',
    schema: positiveInt,
    default: 20,
    doc: 'Attempts without a success from one IP in a window from which the IP is suspicious.',
  }),
  ipFailedInvites: setting({
    env: 'RISK_IP_FAILED_INVITES',
    schema: positiveInt,
    default: 3,
    doc: 'Invitation codes refused at sign-up from one IP (IPv6 per /64) in the sign-up velocity windows still live, from which a sign-in from that IP is suspicious.',
  }),
  ipAccounts: setting({
    env: 'RISK_IP_ACCOUNTS',
    schema: positiveInt,
    default: 5,
    doc: 'Distinct accounts tried from one IP in a window from which it looks like credential stuffing.',
  }),
  unusualHourMinHistory: setting({
    env: 'RISK_UNUSUAL_HOUR_MIN_HISTORY',
    schema: positiveInt,
    default: 5,
    doc: 'Successful sign-ins needed before an hour (UTC) without any of them, within one hour, is unusual.',
  }),
  historyLimit: setting({
    env: 'RISK_HISTORY_LIMIT',
    schema: positiveInt,
    default: 200,
    doc: "Most items the one history Query reads from the user's partition (newest first).",
  }),
  allowedRanges: setting({
    file: 'risk.allowedRanges',
    schema: cidrList,
    default: [],
    doc: 'CIDR ranges (IPv4, IPv6) always scored low, e.g. the office egress.',
  }),
  blockedRanges: setting({
    file: 'risk.blockedRanges',
    schema: cidrList,
    default: [],
    doc: 'CIDR ranges always scored high (blocked in enforce mode).',
  }),
  automatedUserAgents: setting({
    file: 'risk.automatedUserAgents',
    schema: v.array(
      v.pipe(
        v.string(),
        v.check((source) => {
          try {
            new RegExp(source, 'i');
            return true;
          } catch {
            return false;
          }
        }, 'must be a regular expression'),
      ),
    ),
    default: DEFAULT_AUTOMATED_AGENTS,
    doc: 'Regular expressions (case-insensitive) of user agents that reveal a script or headless browser.',
  }),
  notifyNewDevice: setting({
    env: 'RISK_NOTIFY_NEW_DEVICE',
    schema: v.boolean(),
    default: true,
    doc: 'Mail the user after a sign-in from a device never seen before (not on the first sign-in ever).',
  }),
  stateDays: setting({
    env: 'RISK_STATE_DAYS',
    schema: positiveInt,
    default: 180,
    doc: 'How long feedback (trusted / distrusted devices and networks) and the latest assessment are kept.',
  }),
};

export type RiskSettingValues = ReturnType<typeof loadSettings<typeof riskSettingSpecs>>;

/** The settings in the form the engine uses: weights merged, ranges and patterns compiled. */
export interface RiskConfig
  extends Omit<RiskSettingValues, 'weights' | 'allowedRanges' | 'blockedRanges' | 'automatedUserAgents'> {
  weights: SignalWeights;
  allowedRanges: Cidr[];
  blockedRanges: Cidr[];
  automatedUserAgents: RegExp[];
}

/** Compiles loaded settings; thresholds out of order are a configuration error. */
export function compileRiskConfig(values: RiskSettingValues): RiskConfig {
  if (values.highThreshold <= values.mediumThreshold) {
    throw new ConfigError(
      'RISK_HIGH_THRESHOLD',
      `must be above RISK_MEDIUM_THRESHOLD (${values.highThreshold} <= ${values.mediumThreshold})`,
    );
  }
  return {
    ...values,
    weights: { ...DEFAULT_WEIGHTS, ...values.weights },
    travelBands: [...values.travelBands].sort((a, b) => b.kmh - a.kmh),
    allowedRanges: values.allowedRanges.map((text) => parseCidr(text)!),
    blockedRanges: values.blockedRanges.map((text) => parseCidr(text)!),
    automatedUserAgents: values.automatedUserAgents.map((source) => new RegExp(source, 'i')),
  };
}

/** Loads and compiles the risk settings; tests pass their own sources. */
export function loadRiskConfig(sources?: Parameters<typeof loadSettings>[1]): RiskConfig {
  return compileRiskConfig(loadSettings(riskSettingSpecs, sources));
}

/** Defaults with overrides, for tests and benchmarks. */
export function riskConfig(overrides: Partial<RiskConfig> = {}): RiskConfig {
  return { ...loadRiskConfig({ env: {}, file: {} }), ...overrides };
}
