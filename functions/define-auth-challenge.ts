import { parseDefineAuthChallengeEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Define auth challenge trigger (DefineAuthChallenge_Authentication).
 *
 * No policy yet: its issue drives the custom-auth state machine. Unchanged, the response sets neither tokens nor a challenge, so Cognito fails the custom flow. Until then the core returns the event unchanged, which
 * Cognito treats as its default behaviour.
 */
export const handler = triggerHandler({
  name: 'define-auth-challenge',
  parse: parseDefineAuthChallengeEvent,
  core: async (event) => event,
});
