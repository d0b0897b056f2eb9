import { parseCustomMessageEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Custom message trigger (all seven CustomMessage_ sources).
 *
 * No policy yet: its issue writes branded, localized messages; unchanged, Cognito sends its default text. Until then the core returns the event unchanged, which
 * Cognito treats as its default behaviour.
 */
export const handler = triggerHandler({
  name: 'custom-message',
  parse: parseCustomMessageEvent,
  core: async (event) => event,
});
