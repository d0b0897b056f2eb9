import { parseInboundFederationEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Inbound federation trigger (InboundFederation_ExternalProvider).
 *
 * No policy yet: its issue maps the identity provider's attributes. Unchanged (`userAttributesToMap: {}`), Cognito keeps every mapped attribute. Until then the core returns the event unchanged, which
 * Cognito treats as its default behaviour.
 */
export const handler = triggerHandler({
  name: 'inbound-federation',
  parse: parseInboundFederationEvent,
  core: async (event) => event,
});
