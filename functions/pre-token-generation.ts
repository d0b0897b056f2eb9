import { parseTokenGenerationEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { preTokenGeneration } from '../shared/tokens/pre-token-generation.js';
import { tokenSettings } from '../shared/tokens/settings.js';

// Checked at cold start: a configured change to a claim Cognito never allows fails here, naming it.
const settings = tokenSettings();

/**
 * Pre token generation trigger (V1_0, V2_0 and V3_0 events, all six sources): tenant, roles,
 * permissions, scopes and per-client rules (shared/tokens/pre-token-generation.ts).
 */
export const handler = triggerHandler({
  name: 'pre-token-generation',
  parse: parseTokenGenerationEvent,
  core: (event) => preTokenGeneration(event, settings),
});
