import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { logContext } from '../shared/middleware/index.js';
import { loadRiskConfig } from '../shared/risk/settings.js';
import { contextEndpoint } from '../shared/sign-in-context/endpoint.js';

/**
 * `POST /sign-in-context` (HTTP API, no authorizer): a short-lived sign-in context signed with
 * `RISK_CONTEXT_SECRET`, its IP and user agent taken from API Gateway's request context
 * (shared/sign-in-context/endpoint.ts). Fails at cold start without the secret.
 */
const { contextSecret, contextMaxAgeSeconds } = loadRiskConfig();
const endpoint = contextEndpoint({ secret: contextSecret, maxAgeSeconds: contextMaxAgeSeconds });

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(logContext('sign-in-context') as middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2>)
  .handler((event) => endpoint(event));
