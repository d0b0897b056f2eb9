import { parseVerifyAuthChallengeEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Verify auth challenge response trigger (VerifyAuthChallengeResponse_Authentication).
 *
 * No policy yet: its issue checks the user's answer. Unchanged, `answerCorrect` stays unset, which Cognito treats as wrong. Until then the core returns the event unchanged, which
 * Cognito treats as its default behaviour.
 */
export const handler = triggerHandler({
  name: 'verify-auth-challenge',
  parse: parseVerifyAuthChallengeEvent,
  core: async (event) => event,
});
