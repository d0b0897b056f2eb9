import { parsePostAuthenticationEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { configuredRiskEngine, contextKeyRefresh } from '../shared/risk/contract.js';
import { postAuthentication } from '../shared/sign-in/post-authentication.js';
import { signInSettings } from '../shared/sign-in/settings.js';

const settings = signInSettings();
/** The risk engine, built once per container and passed in (a bad risk setting fails the cold start). */
const risk = configuredRiskEngine();

/**
 * Post authentication trigger (PostAuthentication_Authentication): suspended users and tenants
 * and per-client rules (refused only now that the password is proven), sign-in history, devices,
 * last sign-in, lockout reset, and the risk engine's notification (shared/sign-in/post-authentication.ts).
 */
export const handler = triggerHandler({
  name: 'post-authentication',
  parse: parsePostAuthenticationEvent,
  core: (event) => postAuthentication(event, settings, risk),
  // The signed context's key, from Secrets Manager in a deployment (shared/risk/contract.ts).
  use: [contextKeyRefresh()],
});
