import type { AuthorizerEvent, IamPolicyAuthorizerResult } from '../shared/events/index.js';
import { parseAuthorizerEvent } from '../shared/events/parse.js';
import { logger } from '../shared/logging/index.js';
import { triggerHandler } from '../shared/middleware/index.js';

/**
 * API Gateway Lambda authorizer (REST TOKEN and REQUEST, HTTP API 1.0 and 2.0).
 *
 * No token verification yet: until its issue lands it denies every request (403), which is the
 * only safe default for an authorizer.
 */
export const handler = triggerHandler<AuthorizerEvent, IamPolicyAuthorizerResult>({
  name: 'authorizer',
  parse: parseAuthorizerEvent,
  core: async (event) => {
    logger.info('denied', { reason: 'NO_POLICY' });
    return denyAll(event);
  },
});

function denyAll(event: AuthorizerEvent): IamPolicyAuthorizerResult {
  const resource = 'routeArn' in event ? event.routeArn : event.methodArn;
  return {
    principalId: 'anonymous',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [resource] }],
    },
  };
}
