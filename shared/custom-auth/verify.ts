import type { VerifyAuthChallengeEvent } from '../events/index.js';
import { countAttempt, type LockoutPolicy } from '../sign-in/lockout.js';
import { userKey } from '../storage/keys.js';
import { nowSeconds } from '../storage/table.js';
import { consumeChallenge } from './challenges.js';
import { codeDigest, safeEqual } from './codes.js';
import { magicLinkKey, readWithAcceptedKeys } from './link-secret.js';
import type { CustomAuthSettings } from './settings.js';

const MAX_ANSWER_LENGTH = 2048;

/**
 * Verify auth challenge response: a code by constant-time comparison of digests within its
 * expiry; a magic link by its signature, expiry, user, and a single-use conditional write.
 * Every wrong answer also counts towards the sign-in lockout (shared with pre authentication).
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
  const userId = userKey(event.request.userAttributes, event.userName);
  const answer = typeof challengeAnswer === 'string' ? challengeAnswer.trim() : '';
  let correct = false;
  if (userNotFound !== true && answer.length > 0 && answer.length <= MAX_ANSWER_LENGTH) {
    if (secret.kind === 'code') correct = codeIsRight(secret, answer, now);
    else if (secret.kind === 'magic-link') correct = await magicLinkIsRight(answer, userId, settings, now);
  }
  if (!correct) await countAttempt(userId, lockout, now);
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
  userId: string,
  settings: CustomAuthSettings,
  now: number,
): Promise<boolean> {
  const key = await magicLinkKey(settings);
  if (!key) return false;
  const claims = readWithAcceptedKeys(answer, key);
  if (!claims || claims.e <= nowSeconds(now) || claims.u !== userId) return false;
  return consumeChallenge(userId, claims.c, now);
}
