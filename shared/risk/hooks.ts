/**
 * Where the sign-in triggers ask the adaptive-risk engine, and what it answers. The triggers
 * (pre/post authentication, define auth challenge, pre token generation) call `riskHooks()`;
 * the engine provides the implementation. Default without the engine: allow, no step-up, no
 * notification.
 */

/**
 * What the app tells about an attempt, passed as `clientMetadata` (`validationData` in pre
 * authentication) under these keys. A browser can send anything: the app's backend may sign
 * it (`signature` over the other keys with `timestamp`).
 */
export interface SignInContextFields {
  ip?: string;
  userAgent?: string;
  deviceId?: string;
  country?: string;
  latitude?: string;
  longitude?: string;
  timestamp?: string;
  signature?: string;
}

export interface SignInAttempt {
  userPoolId: string;
  clientId: string;
  /** The username Cognito sends (may be unknown to the pool when `userNotFound`). */
  userName: string;
  /** `sub` when known, else the lower-cased userName (see `userKey`). */
  userId: string;
  userAttributes: Record<string, string>;
  userNotFound: boolean;
  /** The app's metadata: `SignInContextFields` and anything else. Never logged whole. */
  metadata: Record<string, string>;
  /** Cognito's own device flag, from post authentication. */
  newDeviceUsed?: boolean;
  /** Epoch milliseconds of the attempt. */
  at: number;
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
}

export interface RiskHooks {
  /** Pre authentication: block or allow before the password is checked. */
  assess(attempt: SignInAttempt): Promise<RiskDecision>;
  /** Post authentication: learn from a successful sign-in; says whether to notify the user. */
  learn(attempt: SignInAttempt): Promise<{ notify?: 'new-device' | 'high-risk'; decision?: RiskDecision }>;
}

const allowAll: RiskDecision = { level: 'low', score: 0, action: 'allow', reasons: [] };

/** Without the engine: every attempt is allowed and nothing is learned. */
export const noRiskEngine: RiskHooks = {
  assess: async () => allowAll,
  learn: async () => ({}),
};

let hooks: RiskHooks = noRiskEngine;

/** The hooks the triggers call. */
export function riskHooks(): RiskHooks {
  return hooks;
}

/** For tests and for wiring the engine at cold start. */
export function useRiskHooks(next: RiskHooks): void {
  hooks = next;
}
