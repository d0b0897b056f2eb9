import type { VerifyAuthChallengeEvent } from '../events/index.js';
import { logger } from '../logging/index.js';
import { useContextOnce } from '../sign-in/context-use.js';
import { countFailure, identityKey, type LockoutPolicy, readLockState } from '../sign-in/lockout.js';
import { verifiedOrigin } from '../sign-in/origin.js';
import { nowSeconds } from '../storage/table.js';
import { consumeChallenge } from './challenges.js';
import { codeDigest, safeEqual } from './codes.js';
import { magicLinkKey, readWithAcceptedKeys } from './link-secret.js';
import type { CustomAuthSettings } from './settings.js';

const MAX_ANSWER_LENGTH = 2048;

/**
 * Verify auth challenge response: a code by constant-time comparison of digests within its
 * expiry; a magic link by its signature, expiry, user, and a single-use conditional write.
 * While the lockout side of this answer is locked, no answer is right (a session opened before
 * the lock gets no more guesses, and not the right code either); every wrong answer counts
 * towards the lockout (shared with pre authentication). Known and unknown users go through the
 * same reads, checks and count.
 */
export async function verifyAuthChallenge(
  event: VerifyAuthChallengeEvent,
  settings: CustomAuthSettings,
  lockout: LockoutPolicy,
  now = Date.now(),
): Promise<VerifyAuthChallengeEvent> {
  const { privateChallengeParameters: secret, challengeAnswer, userNotFound } = event.request;
  // The parameters-only step is answered "wrong" by design: it never counts as a failure.
  if (secret.kind === 'provide-auth-parameters') {
    event.response.answerCorrect = false;
    return event;
  }
  const identity = identityKey(event);
  const origin = verifiedOrigin(event, event.request.clientMetadata ?? {}, now);
  // A replayed context (its use at this step of a conversation claimed before) counts as unfamiliar.
  const firstUse = useContextOnce(origin, `verify#${Number(secret.step) || 0}`, now);
  const state = await readLockState(identity, origin, lockout, now, firstUse);
  if (state.locked) {
    logger.info('answer refused: sign-in locked', { lockout: { side: state.side } });
    event.response.answerCorrect = false;
    return event;
  }
  const answer = typeof challengeAnswer === 'string' ? challengeAnswer.trim() : '';
  let correct = false;
  if (answer.length > 0 && answer.length <= MAX_ANSWER_LENGTH) {
    if (secret.kind === 'code') correct = codeIsRight(secret, answer, now);
    else if (secret.kind === 'magic-link') correct = await magicLinkIsRight(answer, identity, settings, now);
  }
  // An unknown user's decoy code was never sent: nothing is right for them.
  correct &&= userNotFound !== true;
  if (!correct) await countFailure(state, lockout, now);
  event.response.answerCorrect = correct;
  return event;
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
): Promise<boolean> {
  const key = await magicLinkKey(settings);
  if (!key) return false;
  const claims = readWithAcceptedKeys(answer, key);
  if (!claims || claims.e <= nowSeconds(now) || claims.u !== identity) return false;
  return consumeChallenge(identity, claims.c, now);
}
