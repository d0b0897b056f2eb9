import { parsePostAuthenticationEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Post authentication trigger (PostAuthentication_Authentication).
 *
 * No policy yet: its issue records each sign-in. Until then the core returns the event unchanged, which
 * Cognito treats as its default behaviour.
 */
export const handler = triggerHandler({
  name: 'post-authentication',
  parse: parsePostAuthenticationEvent,
  core: async (event) => event,
});
