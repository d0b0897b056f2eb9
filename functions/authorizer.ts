import { authorizerHandler, createAuthorizer, hydrateAtColdStart } from '../shared/authorizer/handler.js';
import { loadAuthorizerSettings } from '../shared/authorizer/settings.js';
import { runtimeSettings } from '../shared/config/runtime.js';

/**
 * API Gateway Lambda authorizer (REST TOKEN and REQUEST, HTTP API payload 1.0 and 2.0): verifies
 * the Cognito bearer token, decides by the route rules, answers with an IAM policy (or a simple
 * response). Settings, verifiers, compiled rules and JWKS are all made here, once per container.
 */
runtimeSettings();
const authorizer = await createAuthorizer(loadAuthorizerSettings());
await hydrateAtColdStart(authorizer);

export const handler = authorizerHandler(authorizer);
