import { parseCreateAuthChallengeEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Create auth challenge trigger (CreateAuthChallenge_Authentication).
 *
 * No policy yet: its issue creates one-time codes and magic links. Until then the core returns the event unchanged, which
 * Cognito treats as its default behaviour.
 */
export const handler = triggerHandler({
  name: 'create-auth-challenge',
  parse: parseCreateAuthChallengeEvent,
  core: async (event) => event,
});
