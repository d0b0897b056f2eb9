import { parseInboundFederationEvent } from '../shared/events/parse.js';
import { inboundFederation } from '../shared/federation/index.js';
import { federationSettings } from '../shared/federation/settings.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * Inbound federation trigger (InboundFederation_ExternalProvider): maps the identity provider's
 * claims or SAML attributes to Cognito attributes by configuration. See `shared/federation/`.
 */
const settings = federationSettings(); // checked at cold start

export const handler = triggerHandler({
  name: 'inbound-federation',
  parse: parseInboundFederationEvent,
  core: (event) => inboundFederation(event, settings),
});
