import { parsePreAuthenticationEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Pre authentication trigger (PreAuthentication_Authentication).
 *
 * No policy yet: its issue decides who may sign in. Until then the core returns the event unchanged, which
 * Cognito treats as its default behaviour.
 */
export const handler = triggerHandler({
  name: 'pre-authentication',
  parse: parsePreAuthenticationEvent,
  core: async (event) => event,
});
