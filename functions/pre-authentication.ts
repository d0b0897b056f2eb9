import { parsePreAuthenticationEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { configuredRiskEngine, contextKeyRefresh } from '../shared/risk/contract.js';
import { preAuthentication } from '../shared/sign-in/pre-authentication.js';
import { signInSettings } from '../shared/sign-in/settings.js';

const settings = signInSettings();
/** The risk engine, built once per container and passed in (a bad risk setting fails the cold start). */
const risk = configuredRiskEngine();

/**
 * Pre authentication trigger (PreAuthentication_Authentication): the lockout and the risk
 * engine's block, the same work for known and unknown users (shared/sign-in/pre-authentication.ts).
 */
export const handler = triggerHandler({
  name: 'pre-authentication',
  parse: parsePreAuthenticationEvent,
  core: (event) => preAuthentication(event, settings, risk),
  // The signed context's key, from Secrets Manager in a deployment (shared/risk/contract.ts).
  use: [contextKeyRefresh()],
});
