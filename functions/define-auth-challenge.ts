import { defineAuthChallenge } from '../shared/custom-auth/define.js';
import { customAuthSettings } from '../shared/custom-auth/settings.js';
import { parseDefineAuthChallengeEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { configuredRiskEngine, contextKeyRefresh } from '../shared/risk/contract.js';
import { signInSettings } from '../shared/sign-in/settings.js';

const settings = customAuthSettings();
const lockout = signInSettings();
/** The risk engine, built once per container and passed in (a bad risk setting fails the cold start). */
const risk = configuredRiskEngine();

/**
 * Define auth challenge trigger (DefineAuthChallenge_Authentication): the custom-auth state
 * machine over `session` (shared/custom-auth/state-machine.ts), the lockout (a locked account's
 * sessions fail) and the step-up policy.
 */
export const handler = triggerHandler({
  name: 'define-auth-challenge',
  parse: parseDefineAuthChallengeEvent,
  core: (event) => defineAuthChallenge(event, settings, lockout, risk),
  // The signed context's key, from Secrets Manager in a deployment (shared/risk/contract.ts).
  use: [contextKeyRefresh()],
});
