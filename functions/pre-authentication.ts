import { parsePreAuthenticationEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { contextKeyRefresh } from '../shared/risk/context-key.js';
import { preAuthentication } from '../shared/sign-in/pre-authentication.js';
import { signInSettings } from '../shared/sign-in/settings.js';

const settings = signInSettings();

/**
 * Pre authentication trigger (PreAuthentication_Authentication): the lockout and the risk
 * engine's block, the same work for known and unknown users (shared/sign-in/pre-authentication.ts).
 */
export const handler = triggerHandler({
  name: 'pre-authentication',
  parse: parsePreAuthenticationEvent,
  core: (event) => preAuthentication(event, settings),
  // The signed context's key, from Secrets Manager in a deployment (shared/risk/context-key.ts).
  use: [contextKeyRefresh()],
});
