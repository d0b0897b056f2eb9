import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { ConfigError } from '../shared/errors/index.js';
import { logContext } from '../shared/middleware/index.js';
import { contextKeyRefresh, contextKeys, loadRiskConfig } from '../shared/risk/contract.js';
import { contextEndpoint } from '../shared/sign-in-context/endpoint.js';

/**
 * `POST /sign-in-context` (HTTP API, no authorizer): a short-lived sign-in context signed with the
 * context key (Secrets Manager `RISK_CONTEXT_SECRET_ID` deployed, read before each request through
 * a 5-minute cache; `RISK_CONTEXT_SECRET` locally), its IP and user agent taken from API Gateway's
 * request context (shared/sign-in-context/endpoint.ts). Fails at cold start without either.
 */
const { contextSecret, contextSecretId, contextMaxAgeSeconds } = loadRiskConfig();
if (!contextSecret && !contextSecretId) {
  throw new ConfigError(
    'RISK_CONTEXT_SECRET',
    'is required by the sign-in context endpoint (or RISK_CONTEXT_SECRET_ID)',
  );
}
const endpoint = contextEndpoint({
  secret: () => contextKeys(contextSecret)[0],
  maxAgeSeconds: contextMaxAgeSeconds,
});

type Middleware = middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2>;

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(logContext('sign-in-context') as Middleware)
  .use(contextKeyRefresh() as Middleware)
  .handler((event) => endpoint(event));
