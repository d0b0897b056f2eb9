import { parseTokenGenerationEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Pre token generation trigger (V1_0, V2_0 and V3_0 events, all six sources).
 *
 * No policy yet: its issue adds claims and scopes to tokens. Until then the core returns the event unchanged, which
 * Cognito treats as its default behaviour.
 */
export const handler = triggerHandler({
  name: 'pre-token-generation',
  parse: parseTokenGenerationEvent,
  core: async (event) => event,
});
