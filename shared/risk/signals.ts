import { distanceKm } from './geo.js';
import { inCidr } from './ip.js';
import { CURRENT_SIGN_IN_MARGIN_MS, type EvaluationInput } from './model.js';
import type { RiskConfig } from './settings.js';
import type { RiskReason } from './types.js';

/**
 * The signals: each a pure function of the attempt, the history and the settings, answering
 * the reasons it adds (none when it does not fire). The engine sums their points.
 */
export type Signal = (input: EvaluationInput, config: RiskConfig) => RiskReason[];

const DAY_MS = 86_400_000;
export const NEVER_SEEN = 'never seen';

const reason = (signal: string, points: number, detail?: string): RiskReason[] =>
  points > 0 || signal.startsWith('trusted') ? [{ signal, points, ...(detail ? { detail } : {}) }] : [];

/** Anything to compare with: without history, familiarity signals stay silent. */
const hasHistory = ({ history }: EvaluationInput) => history.signIns.length > 0 || history.devices.length > 0;

const isTrustedNetwork = ({ attempt, history }: EvaluationInput) =>
  attempt.network !== undefined && history.trustedNetworks.includes(attempt.network);

/** Always-block ranges (configured CIDR lists, IPv4 and IPv6). */
export const blockedRange: Signal = ({ attempt }, config) => {
  const range = attempt.ip && config.blockedRanges.find((cidr) => inCidr(attempt.ip!, cidr));
  return range ? reason('blocked-range', config.weights.blockedRange) : [];
};

/** An admin or migration flagged the account's password as breached. */
export const compromisedCredentials: Signal = ({ history }, config) =>
  history.compromisedCredentials
    ? reason('compromised-credentials', config.weights.compromisedCredentials)
    : [];

/** The context's signature: forged, stale or replayed always count; missing counts where signatures are required. */
export const signedContext: Signal = ({ attempt }, config) => {
  switch (attempt.signature) {
    case 'forged':
      return reason('context-forged', config.weights.contextForged);
    case 'stale':
      return reason('context-stale', config.weights.contextStale);
    case 'replayed':
      return reason('context-replayed', config.weights.contextReplayed);
    case 'missing':
      return config.contextSignature === 'required' &&
        !config.unsignedContextClients.includes(attempt.clientId)
        ? reason('context-missing', config.weights.contextMissing)
        : [];
    default:
      return [];
  }
};

/** A user agent that reveals a script, crawler or headless browser. */
export const automatedUserAgent: Signal = ({ attempt }, config) => {
  const agent = attempt.userAgent;
  return agent && config.automatedUserAgents.some((pattern) => pattern.test(agent))
    ? reason('automated-user-agent', config.weights.automatedUserAgent)
    : [];
};

/** Devices and networks an operator marked invalid. */
export const distrusted: Signal = ({ attempt, history }, config) => [
  ...(attempt.deviceId && history.distrustedDevices.includes(attempt.deviceId)
    ? reason('distrusted-device', config.weights.distrustedDevice)
    : []),
  ...(attempt.network && history.distrustedNetworks.includes(attempt.network)
    ? reason('distrusted-network', config.weights.distrustedNetwork)
    : []),
];

/**
 * A device not seen in `newDeviceDays` (by the app's device id; without one, Cognito's own
 * `newDeviceUsed`). `never seen` in the detail tells apart a device that is new altogether.
 */
export const newDevice: Signal = (input, config) => {
  const { attempt, history } = input;
  if (!hasHistory(input)) return [];
  if (!attempt.deviceId) {
    return attempt.newDeviceUsed
      ? reason('new-device', config.weights.newDevice, `${NEVER_SEEN} (Cognito)`)
      : [];
  }
  if (history.trustedDevices.includes(attempt.deviceId))
    return reason('trusted-device', 0, 'operator feedback');
  const since = attempt.at - config.newDeviceDays * DAY_MS;
  const device = history.devices.find((d) => d.id === attempt.deviceId);
  const signIns = history.signIns.filter((s) => s.deviceId === attempt.deviceId);
  const recent = (device?.lastSeen ?? 0) >= since || signIns.some((s) => s.at >= since);
  if (recent) return [];
  const seenBefore =
    (device && (device.firstSeen ?? 0) < attempt.at - CURRENT_SIGN_IN_MARGIN_MS) || signIns.length > 0;
  return reason(
    'new-device',
    config.weights.newDevice,
    seenBefore ? `not seen in ${config.newDeviceDays} days` : NEVER_SEEN,
  );
};

/** An IP never seen for this user: full points when its /24 (/48) is new too, few when only the address is. */
export const newNetwork: Signal = (input, config) => {
  const { attempt, history } = input;
  if (!attempt.ipText || history.signIns.length === 0) return [];
  if (isTrustedNetwork(input)) return reason('trusted-network', 0, 'operator feedback');
  if (history.signIns.some((s) => s.ip === attempt.ipText)) return [];
  if (history.signIns.some((s) => s.network === attempt.network)) {
    return reason('new-address', config.weights.newAddress, `in known network ${attempt.network}`);
  }
  return reason('new-network', config.weights.newNetwork, attempt.network);
};

/** A country none of the user's located sign-ins came from. */
export const unfamiliarCountry: Signal = (input, config) => {
  const { attempt, history } = input;
  if (!attempt.country || isTrustedNetwork(input)) return [];
  const countries = new Set(history.signIns.map((s) => s.country).filter(Boolean));
  if (countries.size === 0 || countries.has(attempt.country)) return [];
  return reason('unfamiliar-country', config.weights.unfamiliarCountry, attempt.country);
};

/** Speed of the trip since the last located successful sign-in, by bands (great-circle distance). */
export const impossibleTravel: Signal = (input, config) => {
  const { attempt, history } = input;
  if (attempt.latitude === undefined || attempt.longitude === undefined || isTrustedNetwork(input)) return [];
  const last = history.signIns.find((s) => s.latitude !== undefined && s.longitude !== undefined);
  if (!last) return [];
  const km = distanceKm(
    last as { latitude: number; longitude: number },
    attempt as { latitude: number; longitude: number },
  );
  if (km < config.travelMinKm) return [];
  const hours = Math.max(attempt.at - last.at, 60_000) / 3_600_000;
  const kmh = km / hours;
  const band = config.travelBands.find((b) => kmh > b.kmh);
  if (!band) return [];
  return reason(
    'impossible-travel',
    band.points,
    `${Math.round(km)} km in ${Math.round(hours * 60)} min (${Math.round(kmh)} km/h)`,
  );
};

/** Attempts on this account without success in the window (password guessing). */
export const userFailedAttempts: Signal = ({ history }, config) =>
  history.userFailures >= config.userFailedAttempts
    ? reason(
        'user-failed-attempts',
        config.weights.userFailedAttempts,
        `${history.userFailures} in ${config.windowMinutes} min`,
      )
    : [];

/**
 * The account's unfamiliar side was locked in the last day (someone who is not the user was
 * guessing): an attempt from a network the user never signed in from is suspect.
 */
export const unfamiliarLockout: Signal = ({ attempt, history }, config) => {
  const at = history.unfamiliarLockoutAt;
  if (at === undefined || attempt.at - at > DAY_MS) return [];
  if (attempt.network && history.signIns.some((s) => s.network === attempt.network)) return [];
  const minutes = Math.max(0, Math.round((attempt.at - at) / 60_000));
  return reason('unfamiliar-lockout', config.weights.unfamiliarLockout, `locked ${minutes} min ago`);
};

/** Attempts from this IP without success in the window. */
export const ipFailedAttempts: Signal = ({ ipActivity }, config) =>
  ipActivity && ipActivity.failures >= config.ipFailedAttempts
    ? reason(
        'ip-failed-attempts',
        config.weights.ipFailedAttempts,
        `${ipActivity.failures} in ${config.windowMinutes} min`,
      )
    : [];

/** Many accounts tried from one IP in the window (credential stuffing). */
export const ipManyAccounts: Signal = ({ ipActivity }, config) =>
  ipActivity && ipActivity.accounts >= config.ipAccounts
    ? reason(
        'ip-many-accounts',
        config.weights.ipManyAccounts,
        `${ipActivity.accounts} accounts in ${config.windowMinutes} min`,
      )
    : [];

/** Invitation codes refused at sign-up from this IP (someone guessing codes now signs in from it). */
export const ipFailedInvites: Signal = ({ ipActivity }, config) =>
  ipActivity?.failedInvites !== undefined && ipActivity.failedInvites >= config.ipFailedInvites
    ? reason('ip-failed-invites', config.weights.ipFailedInvites, `${ipActivity.failedInvites} refused`)
    : [];

/** An hour of the day (UTC) with no earlier sign-in within one hour of it, once the user has enough history. */
export const unusualHour: Signal = ({ attempt, history }, config) => {
  if (history.signIns.length < config.unusualHourMinHistory) return [];
  const hour = new Date(attempt.at).getUTCHours();
  const near = history.signIns.some((s) => {
    const gap = Math.abs(new Date(s.at).getUTCHours() - hour);
    return Math.min(gap, 24 - gap) <= 1;
  });
  return near ? [] : reason('unusual-hour', config.weights.unusualHour, `${hour}:00 UTC`);
};

/** Every signal in the order their reasons are listed. */
export const SIGNALS: Signal[] = [
  blockedRange,
  compromisedCredentials,
  signedContext,
  automatedUserAgent,
  distrusted,
  newDevice,
  newNetwork,
  unfamiliarCountry,
  impossibleTravel,
  userFailedAttempts,
  unfamiliarLockout,
  ipFailedAttempts,
  ipManyAccounts,
  ipFailedInvites,
  unusualHour,
];
