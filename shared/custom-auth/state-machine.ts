import type { ChallengeResult } from '../events/index.js';

/**
 * Define auth challenge as a small, explicit state machine over `session`.
 *
 * Two conversations are accepted, nothing else:
 * - passwordless: `[]` → CUSTOM_CHALLENGE `PROVIDE_AUTH_PARAMETERS` (always answered "wrong": it
 *   only carries the app's ClientMetadata, which InitiateAuth does not pass to these triggers) →
 *   CUSTOM_CHALLENGE `EMAIL_CODE`/`MAGIC_LINK` until right, or too many wrong answers;
 * - password then step-up: `SRP_A` → PASSWORD_VERIFIER → (policy) tokens, or CUSTOM_CHALLENGE
 *   `STEP_UP` until right, or too many wrong answers.
 * Every other sequence (a challenge out of order, an unknown challenge, a result after success)
 * fails the authentication.
 */
export type ChallengeKind = 'PROVIDE_AUTH_PARAMETERS' | 'EMAIL_CODE' | 'MAGIC_LINK' | 'STEP_UP';

/** Why a conversation fails; `locked`: its lockout side is locked (checked by define auth challenge before the machine). */
export const FAIL_REASONS = [
  'wrong-password',
  'too-many-answers',
  'out-of-order',
  'user-not-found',
  'locked',
] as const;
export type FailReason = (typeof FAIL_REASONS)[number];

export type DefineDecision =
  | { action: 'challenge'; challengeName: 'PASSWORD_VERIFIER' | 'CUSTOM_CHALLENGE' }
  /** The password is right: the step-up policy decides between tokens and a CUSTOM_CHALLENGE. */
  | { action: 'decide-step-up' }
  | { action: 'issue-tokens' }
  | { action: 'fail'; reason: FailReason };

export interface MachineOptions {
  userNotFound: boolean;
  maxAnswers: number;
}

/** `EMAIL_CODE:<id>` → `EMAIL_CODE`; what create auth challenge puts in challengeMetadata. */
export function challengeKind(metadata: string | null | undefined): ChallengeKind | undefined {
  const kind = metadata?.split(':', 1)[0];
  return kind === 'PROVIDE_AUTH_PARAMETERS' ||
    kind === 'EMAIL_CODE' ||
    kind === 'MAGIC_LINK' ||
    kind === 'STEP_UP'
    ? kind
    : undefined;
}

/** The id after the kind in challengeMetadata (`EMAIL_CODE:<id>` → `<id>`). */
export function challengeId(metadata: string | null | undefined): string | undefined {
  const at = metadata?.indexOf(':') ?? -1;
  return at > 0 ? metadata?.slice(at + 1) || undefined : undefined;
}

const fail = (reason: FailReason): DefineDecision => ({ action: 'fail', reason });

export function nextStep(session: readonly ChallengeResult[], options: MachineOptions): DefineDecision {
  const [first, second] = session;
  if (!first) return { action: 'challenge', challengeName: 'CUSTOM_CHALLENGE' };

  if (first.challengeName === 'SRP_A') {
    if (!first.challengeResult) return fail('out-of-order');
    if (!second) return { action: 'challenge', challengeName: 'PASSWORD_VERIFIER' };
    if (second.challengeName !== 'PASSWORD_VERIFIER') return fail('out-of-order');
    if (!second.challengeResult) return fail('wrong-password');
    const factors = session.slice(2);
    if (factors.length === 0) return { action: 'decide-step-up' };
    return answerStep(factors, ['STEP_UP'], options);
  }

  if (
    first.challengeName !== 'CUSTOM_CHALLENGE' ||
    challengeKind(first.challengeMetadata) !== 'PROVIDE_AUTH_PARAMETERS'
  ) {
    return fail('out-of-order');
  }
  if (first.challengeResult) return fail('out-of-order');
  const factors = session.slice(1);
  if (factors.length === 0) return { action: 'challenge', challengeName: 'CUSTOM_CHALLENGE' };
  return answerStep(factors, ['EMAIL_CODE', 'MAGIC_LINK'], options);
}

/** After the factor challenges of a conversation: tokens on a right last answer, else retry or fail. */
function answerStep(
  factors: readonly ChallengeResult[],
  allowed: readonly ChallengeKind[],
  options: MachineOptions,
): DefineDecision {
  for (const [index, entry] of factors.entries()) {
    const kind = challengeKind(entry.challengeMetadata);
    if (entry.challengeName !== 'CUSTOM_CHALLENGE' || !kind || !allowed.includes(kind))
      return fail('out-of-order');
    // A right answer ends the conversation: anything after it is out of order.
    if (entry.challengeResult && index !== factors.length - 1) return fail('out-of-order');
  }
  const last = factors[factors.length - 1] as ChallengeResult;
  if (last.challengeResult) return options.userNotFound ? fail('user-not-found') : { action: 'issue-tokens' };
  if (factors.length >= options.maxAnswers) return fail('too-many-answers');
  return { action: 'challenge', challengeName: 'CUSTOM_CHALLENGE' };
}
