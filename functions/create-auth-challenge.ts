import { createAuthChallenge } from '../shared/custom-auth/create.js';
import { customAuthSettings } from '../shared/custom-auth/settings.js';
import { parseCreateAuthChallengeEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

const settings = customAuthSettings();

/**
 * Create auth challenge trigger (CreateAuthChallenge_Authentication): emailed one-time codes,
 * magic links and the step-up code (shared/custom-auth/create.ts).
 */
export const handler = triggerHandler({
  name: 'create-auth-challenge',
  parse: parseCreateAuthChallengeEvent,
  core: (event) => createAuthChallenge(event, settings),
});
