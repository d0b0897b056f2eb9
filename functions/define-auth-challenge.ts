import { defineAuthChallenge } from '../shared/custom-auth/define.js';
import { customAuthSettings } from '../shared/custom-auth/settings.js';
import { parseDefineAuthChallengeEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { contextKeyRefresh } from '../shared/risk/context-key.js';
import { signInSettings } from '../shared/sign-in/settings.js';

const settings = customAuthSettings();
const lockout = signInSettings();

/**
 * Define auth challenge trigger (DefineAuthChallenge_Authentication): the custom-auth state
 * machine over `session` (shared/custom-auth/state-machine.ts), the lockout (a locked account's
 * sessions fail) and the step-up policy.
 */
export const handler = triggerHandler({
  name: 'define-auth-challenge',
  parse: parseDefineAuthChallengeEvent,
  core: (event) => defineAuthChallenge(event, settings, lockout),
  // The signed context's key, from Secrets Manager in a deployment (shared/risk/context-key.ts).
  use: [contextKeyRefresh()],
});
