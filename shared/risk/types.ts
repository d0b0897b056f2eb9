/**
 * The risk engine's types and constants: what the sign-in triggers hand it (`SignInAttempt`, the
 * context fields an app may send), what it answers (`RiskDecision`, `VerifiedContext`), and
 * `RiskHooks`, the interface any engine implements. Every file of shared/risk depends on this one,
 * and it on nothing. Other features read it through the public contract, `./contract.ts`.
 */

/**
 * What the app tells about an attempt, passed as `clientMetadata` (`validationData` in pre
 * authentication) under these keys. A browser can send anything: only a context signed by the
 * context endpoint (`POST /sign-in-context`) or the app's own backend (`signature` over the
 * other keys, see `shared/risk/context.ts`) is believed.
 */
export interface SignInContextFields {
  /** The username the context was signed for (normalised: trimmed, lower-cased). */
  username?: string;
  /** The app client the context was signed for. */
  clientId?: string;
  ip?: string;
  userAgent?: string;
  deviceId?: string;
  /** Cognito's device key, when the app remembers devices; the device's identity when present. */
  deviceKey?: string;
  country?: string;
  latitude?: string;
  longitude?: string;
  /** Issued at, epoch seconds (or milliseconds). */
  timestamp?: string;
  /** Random per context; also the id under which pre authentication keeps its assessment. */
  nonce?: string;
  signature?: string;
}

/**
 * The signed context fields, in the order the signature covers them (everything but `signature`).
 * The one list both the signature check and the context endpoint derive from.
 */
export const SIGNED_CONTEXT_FIELDS = [
  'username',
  'clientId',
  'ip',
  'userAgent',
  'deviceId',
  'deviceKey',
  'country',
  'latitude',
  'longitude',
  'timestamp',
  'nonce',
] as const satisfies readonly (keyof SignInContextFields)[];

/**
 * The facts of an attempt's context that may be recorded as this sign-in's: those of a validly
 * signed context (or, where unsigned contexts are accepted by configuration, the unsigned ones).
 * Empty when nothing could be believed.
 */
export interface VerifiedContext {
  ip?: string;
  userAgent?: string;
  deviceId?: string;
  deviceKey?: string;
  country?: string;
  latitude?: number;
  longitude?: number;
  /** The context's nonce: the id of pre authentication's assessment of this sign-in. */
  nonce?: string;
}

/**
 * The security event the sign-in lockout writes in a user's partition when their unfamiliar side
 * locks (`SECURITY#<iso time>#unfamiliar-lockout`): someone who is not the user is guessing. The
 * engine's history Query reads it (signal `unfamiliar-lockout`).
 */
export const UNFAMILIAR_LOCKOUT_EVENT = 'unfamiliar-lockout';

/**
 * The signal pre sign-up leaves for each refused invitation code, in the partition of the
 * sign-up's IP (`IP#<ipBucket>` / `SIGNAL#failed-invite#<windowStart>`, attribute `count`,
 * expiring two windows later). The engine reads it for a sign-in from that IP (signal
 * `ip-failed-invites`).
 */
export const FAILED_INVITE_SIGNAL = 'failed-invite';

export interface SignInAttempt {
  userPoolId: string;
  clientId: string;
  /** The username Cognito sends (may be unknown to the pool when `userNotFound`). */
  userName: string;
  /** `sub` when known, else `NAME#<lower-cased userName>` (see `userKey`). */
  userId: string;
  userAttributes: Record<string, string>;
  userNotFound: boolean;
  /** The app's metadata: `SignInContextFields` and anything else. Never logged whole. */
  metadata: Record<string, string>;
  /** Cognito's own device flag, from post authentication. */
  newDeviceUsed?: boolean;
  /**
   * The trigger found the nonce of this (validly signed) context used already at the same stage
   * of a sign-in: someone replays a captured context. Nothing it claims is believed, as for a
   * forged one (signal `context-replayed`).
   */
  contextReplayed?: boolean;
  /**
   * Cognito's retry of a pre authentication that ran out of time before it decided (the same
   * event, its context's use found unanswered: see `shared/sign-in/context-use.ts`). Scored as
   * usual, counted nothing more: the first call counted the attempt (or never reached it).
   */
  retried?: boolean;
  /**
   * The id of the trigger call's attempt (`attemptIdOf` in `shared/sign-in/context-use.ts`: the
   * context's nonce and stage, shared by the first call and Cognito's retries of it, never given
   * to a replay). Define auth challenge passes it: the decision it takes once per sign-in is kept
   * for this attempt, so a retry of the call that took it gets it again, and any other use of the
   * context finds it taken (step-up).
   */
  attemptId?: string;
  /** Epoch milliseconds of the attempt. */
  at: number;
  /**
   * Which trigger asks. Pre authentication (the default when absent) counts the attempt per
   * user and per IP; define auth challenge must say so, so that one sign-in is counted once and
   * the step-up decision is the one pre authentication made for it, found by the nonce of the
   * context (never by comparing claimed facts); none found means step-up.
   */
  phase?: 'pre-authentication' | 'define-auth-challenge' | 'post-authentication';
}

export type RiskLevel = 'low' | 'medium' | 'high';
export type RiskAction = 'allow' | 'step-up' | 'block' | 'notify';

export interface RiskReason {
  signal: string;
  /** Points this signal added to the score. */
  points: number;
  detail?: string;
}

export interface RiskDecision {
  level: RiskLevel;
  /** 0-100. */
  score: number;
  /** What to do; in audit mode always `allow`, with the action that enforcement would take kept in `wouldTake`. */
  action: RiskAction;
  wouldTake?: RiskAction;
  reasons: RiskReason[];
  /** Id of this assessment (logged and stored), for operator feedback (`npm run risk-feedback`). */
  eventId?: string;
}

export interface RiskHooks {
  /** Pre authentication: block or allow before the password is checked. */
  assess(attempt: SignInAttempt): Promise<RiskDecision>;
  /** Post authentication: learn from a successful sign-in; says whether to notify the user. */
  learn(attempt: SignInAttempt): Promise<{ notify?: 'new-device' | 'high-risk'; decision?: RiskDecision }>;
  /** What of the attempt's context can be believed (its signature checked); never a mere claim. */
  verify(attempt: SignInAttempt): Promise<VerifiedContext>;
}

const allowAll: RiskDecision = { level: 'low', score: 0, action: 'allow', reasons: [] };

/** Without the engine: every attempt is allowed, nothing is learned and no context is believed. */
export const noRiskEngine: RiskHooks = {
  assess: async () => allowAll,
  learn: async () => ({}),
  verify: async () => ({}),
};
