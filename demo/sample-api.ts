import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import type { AuthorizerContext } from '../shared/events/index.js';

/**
 * The sample protected route `GET /items` behind the authorizer: it answers with the context the
 * authorizer gave the backend, which shows what a real backend receives (sub, groups, scopes...).
 */
export async function handler(
  event: APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>,
): Promise<APIGatewayProxyResultV2> {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: [], caller: event.requestContext.authorizer?.lambda ?? null }),
  };
}
