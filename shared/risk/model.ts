import type { SignatureStatus } from './context.js';
import type { ParsedIp } from './ip.js';
import type { RiskDecision } from './types.js';

/**
 * What the pure engine sees: the facts of one attempt and the user's history before it. The
 * store layer (`store.ts`) builds these from one Query; tests and benchmarks build them directly.
 * All times are epoch milliseconds.
 */

/** One earlier successful sign-in, from the sign-in records that post authentication keeps. */
export interface PastSignIn {
  at: number;
  ip?: string;
  network?: string;
  country?: string;
  latitude?: number;
  longitude?: number;
  deviceId?: string;
}

/** A device of the registry post authentication keeps. */
export interface KnownDevice {
  id: string;
  firstSeen?: number;
  lastSeen?: number;
}

export interface RiskHistory {
  /** Successful sign-ins before this attempt, newest first. */
  signIns: PastSignIn[];
  devices: KnownDevice[];
  /** Operator feedback: devices and networks (`networkOf`) marked valid or invalid. */
  trustedDevices: string[];
  distrustedDevices: string[];
  trustedNetworks: string[];
  distrustedNetworks: string[];
  /** Set on the profile by an admin or by migration's breached-password check. */
  compromisedCredentials: boolean;
  /**
   * Attempts on this account in the current window since its last success, this one not counted.
   * The engine's own scoring input (`failures` on the latest assessment, written with it in the same
   * update), deliberately apart from the lockout's `FAILED#` counters: see docs/architecture.md.
   */
  userFailures: number;
  /** When the account's lockout last locked its unfamiliar side (a `SECURITY#...#unfamiliar-lockout` item). */
  unfamiliarLockoutAt?: number;
}

/** What one IP did in the current window. */
export interface IpActivity {
  /** Attempts from this IP without a matching success, this one not counted. */
  failures: number;
  /**
   * Distinct accounts tried from this IP without a success yet, this one included: an office
   * behind one address signs many accounts in successfully, a credential-stuffing run does not.
   */
  accounts: number;
  /**
   * Invitation codes refused at sign-up from this IP (its /64 for IPv6) in the sign-up velocity
   * windows still live (the current and the previous one): someone guessing codes.
   */
  failedInvites?: number;
}

/**
 * The facts of one attempt. Everything but `clientId`, `signature`, `newDeviceUsed` and `at` comes
 * from the app's context and is present only when that context can be believed (`attemptFacts`).
 */
export interface AttemptFacts {
  clientId: string;
  ip?: ParsedIp;
  /** Canonical text of `ip`. */
  ipText?: string;
  /** `networkOf(ip)`: its /24 or /48. */
  network?: string;
  userAgent?: string;
  deviceId?: string;
  country?: string;
  latitude?: number;
  longitude?: number;
  signature: SignatureStatus;
  /** The context's nonce (believed contexts only): the id of pre authentication's assessment. */
  nonce?: string;
  /** Cognito's own flag (post authentication only). */
  newDeviceUsed?: boolean;
  at: number;
}

export interface EvaluationInput {
  attempt: AttemptFacts;
  history: RiskHistory;
  /** Absent when the attempt has no IP (nothing to count it against). */
  ipActivity?: IpActivity;
}

export const emptyHistory = (): RiskHistory => ({
  signIns: [],
  devices: [],
  trustedDevices: [],
  distrustedDevices: [],
  trustedNetworks: [],
  distrustedNetworks: [],
  compromisedCredentials: false,
  userFailures: 0,
});

/**
 * Post authentication may record this very sign-in (history entry, device) before the engine
 * learns from it, and a retried trigger may have recorded it a little earlier: what is newer
 * than this margin before the attempt is this sign-in, not history.
 */
export const CURRENT_SIGN_IN_MARGIN_MS = 30_000;

/** The latest assessment as kept at `RISK#latest#assessment`. */
export interface StoredAssessment {
  eventId: string;
  at: number;
  clientId: string;
  decision: RiskDecision;
  ip?: string;
  network?: string;
  deviceId?: string;
  /** Kept in the assessment log only (the console shows where an attempt came from). */
  country?: string;
  /** The signed IP the attempt was counted on (pre authentication). */
  countedIp?: string;
}

/** What an assessment does to the per-user attempt counter. */
export type CounterChange =
  | { kind: 'attempt'; windowStart: number; sameWindow: boolean }
  | { kind: 'success' }
  | { kind: 'none' };
