import type { VerifyAuthChallengeEvent } from '../events/index.js';
import { logger } from '../logging/index.js';
import {
  attemptIdOf,
  type ContextUse,
  claimContextUse,
  earlierOutcome,
  holds,
  recordAnswer,
} from '../sign-in/context-use.js';
import {
  countFailure,
  identityKey,
  type LockoutPolicy,
  type LockState,
  readLockState,
} from '../sign-in/lockout.js';
import { verifiedOrigin } from '../sign-in/origin.js';
import { nowSeconds } from '../storage/table.js';
import { consumeChallenge } from './challenges.js';
import { codeDigest, safeEqual } from './codes.js';
import { magicLinkKey, readWithAcceptedKeys } from './link-secret.js';
import type { CustomAuthSettings } from './settings.js';

const MAX_ANSWER_LENGTH = 2048;

/** What verify decided for an answer (kept on the context's claim for Cognito's retries). */
type VerifyOutcome = 'right' | 'wrong' | 'locked';
const isOutcome = (value: string | undefined): value is VerifyOutcome =>
  value === 'right' || value === 'wrong' || value === 'locked';

/**
 * Verify auth challenge response: a code by constant-time comparison of digests within its
 * expiry; a magic link by its signature, expiry, user, and a single-use conditional write.
 * While the lockout side of this answer is locked, no answer is right (a session opened before
 * the lock gets no more guesses, and not the right code either); every wrong answer counts
 * towards the lockout (shared with pre authentication). Known and unknown users go through the
 * same reads, checks and count.
 *
 * Each step's use of the signed context is claimed once (`verify#<step>`): a replayed context
 * counts as unfamiliar. Cognito's retry of a verify that did not answer in time (the same event,
 * the same answer) is the same answer, not a second one (`context-use.ts`): it gets the first
 * call's judgement when it was recorded, else judges again counting nothing more and consuming a
 * magic link only as the first call's own (`attemptIdOf`).
 */
export async function verifyAuthChallenge(
  event: VerifyAuthChallengeEvent,
  settings: CustomAuthSettings,
  lockout: LockoutPolicy,
  now = Date.now(),
): Promise<VerifyAuthChallengeEvent> {
  const { privateChallengeParameters: secret } = event.request;
  // The parameters-only step is answered "wrong" by design: it never counts as a failure.
  if (secret.kind === 'provide-auth-parameters') {
    event.response.answerCorrect = false;
    return event;
  }
  const identity = identityKey(event);
  const origin = verifiedOrigin(event, event.request.clientMetadata ?? {}, now);
  // Claimed beside the lockout read; a replayed context (this step claimed before) is unfamiliar.
  const claim = claimContextUse(origin, `verify#${Number(secret.step) || 0}`, now, event);
  const state = await readLockState(identity, origin, lockout, now, claim.then(holds));
  const use = await claim;
  const earlier = earlierOutcome(use);
  const outcome = isOutcome(earlier) ? earlier : await judge(event, state, use, settings, lockout, now);
  await recordAnswer(use, outcome);
  event.response.answerCorrect = outcome === 'right';
  return event;
}

/** Judges the answer: none while the side is locked; a wrong one counts (once per attempt). */
async function judge(
  event: VerifyAuthChallengeEvent,
  state: LockState,
  use: ContextUse,
  settings: CustomAuthSettings,
  lockout: LockoutPolicy,
  now: number,
): Promise<VerifyOutcome> {
  if (state.locked) {
    logger.info('answer refused: sign-in locked', { lockout: { side: state.side } });
    return 'locked';
  }
  const { privateChallengeParameters: secret, challengeAnswer, userNotFound } = event.request;
  const answer = typeof challengeAnswer === 'string' ? challengeAnswer.trim() : '';
  const attemptId = attemptIdOf(use);
  let correct = false;
  if (answer.length > 0 && answer.length <= MAX_ANSWER_LENGTH) {
    if (secret.kind === 'code') correct = codeIsRight(secret, answer, now);
    else if (secret.kind === 'magic-link')
      correct = await magicLinkIsRight(answer, state.subject, settings, now, attemptId);
  }
  // An unknown user's decoy code was never sent: nothing is right for them.
  correct &&= userNotFound !== true;
  if (correct) return 'right';
  await countFailure(state, lockout, now, attemptId);
  return 'wrong';
}

function codeIsRight(secret: Record<string, string>, answer: string, now: number): boolean {
  const { challengeId, codeDigest: expected, expiresAt } = secret;
  if (!challengeId || !expected || !(Number(expiresAt) > nowSeconds(now))) return false;
  return safeEqual(codeDigest(challengeId, answer), expected);
}

async function magicLinkIsRight(
  answer: string,
  identity: string,
  settings: CustomAuthSettings,
  now: number,
  attemptId: string | undefined,
): Promise<boolean> {
  const key = await magicLinkKey(settings);
  if (!key) return false;
  const claims = readWithAcceptedKeys(answer, key);
  if (!claims || claims.e <= nowSeconds(now) || claims.u !== identity) return false;
  return consumeChallenge(identity, claims.c, now, attemptId);
}
