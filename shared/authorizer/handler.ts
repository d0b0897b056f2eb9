import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { withInvocationDeadline } from '../aws/deadline.js';
import { describeError, Unauthorized } from '../errors/index.js';
import type { AuthorizerResult } from '../events/index.js';
import { logger } from '../logging/index.js';
import { logContext } from '../middleware/log-context.js';
import { countMetric, emitMetrics, METRIC } from '../observability/metrics.js';
import { Authorizer, type AuthorizerDependencies } from './authorize.js';
import { AuthorizationFailure } from './request.js';
import type { RevocationCheck } from './revocation.js';
import type { AuthorizerSettings } from './settings.js';

/**
 * The authorizer's own chain (not the triggers' error policy, which would turn a 401 into a
 * generic message): a log context with one `completed` line, then
 * - a bad, missing, expired or revoked token, or an event it cannot read: `Unauthorized` (401);
 * - a valid token without the rights: the Deny the core returns (403);
 * - its own failure (revocation store down): an error, which API Gateway answers with 500 -
 *   failing closed, and saying so, rather than pretending the caller is unauthenticated; a
 *   revocation read or JWKS fetch cut by the invocation's deadline is such a failure.
 *
 * The two middlewares are middy's shape and run in middy's order (`before` in turn, then the
 * core, then `after`; on an error anywhere, `onError` last-used first), but without middy's
 * runner: @middy/core loads Node's stream modules for response streaming when it is imported,
 * a sixth of the authorizer's cold import (`npm run bench -- authorizer`), for nothing it uses.
 */
export function authorizerHandler(authorizer: Authorizer) {
  const middlewares = [logContext('authorizer'), authorizerErrorPolicy()];
  const core = async (event: unknown, context: Context): Promise<AuthorizerResult> => {
    const decision = await withInvocationDeadline(context, () => authorizer.authorize(event));
    logger.info(decision.effect === 'Allow' ? 'allowed' : 'denied', {
      reason: decision.reason,
      rule: decision.rule,
      cachedToken: decision.cached,
      sub: decision.sub,
    });
    // One EMF line for both: the same dimensions (service), one write fewer on a cache hit.
    const answered = { name: decision.effect === 'Allow' ? METRIC.allowed : METRIC.denied };
    emitMetrics(decision.cached ? [answered, { name: METRIC.tokenCacheHits }] : [answered]);
    return decision.result;
  };
  return async (event: unknown, context: Context): Promise<AuthorizerResult> => {
    const request: middy.Request<unknown, unknown> = {
      event,
      context,
      response: undefined,
      error: null,
      internal: {},
    };
    try {
      for (const middleware of middlewares) await middleware.before?.(request);
      request.response = await core(request.event, context);
      for (const middleware of middlewares.toReversed()) await middleware.after?.(request);
      return request.response as AuthorizerResult;
    } catch (error) {
      request.error = error as Error;
      for (const middleware of middlewares.toReversed()) await middleware.onError?.(request);
      throw request.error;
    }
  };
}

function authorizerErrorPolicy(): middy.MiddlewareObj<unknown, unknown> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof AuthorizationFailure) {
        logger.info('unauthorized', { reason: error.reason, detail: error.detail });
        countMetric(METRIC.unauthorized, {}, { reason: error.reason });
        request.error = new Unauthorized();
        return;
      }
      logger.error('authorizer failure', { error: describeError(error) });
      request.error = new Error('Authorizer failure', { cause: error });
    },
  };
}

/** Builds the authorizer for these settings, with the DynamoDB revocation check loaded only when on. */
export async function createAuthorizer(
  settings: AuthorizerSettings,
  dependencies: AuthorizerDependencies = {},
): Promise<Authorizer> {
  const revocation =
    dependencies.revocation ?? (settings.revocation ? await revocationCheck(settings) : undefined);
  return new Authorizer(settings, { ...dependencies, ...(revocation ? { revocation } : {}) });
}

/** Loaded lazily: the DynamoDB client is most of a bundle's cold import, and only this path needs it. */
async function revocationCheck(settings: AuthorizerSettings): Promise<RevocationCheck> {
  const [{ RevocationCheck }, { documentClient, tableName }] = await Promise.all([
    import('./revocation.js'),
    import('../storage/table.js'),
  ]);
  return new RevocationCheck(documentClient, tableName, settings.revocationCacheSeconds);
}

/** Cold start: JWKS fetched now so the first request verifies synchronously; a failure only delays that. */
export async function hydrateAtColdStart(authorizer: Authorizer): Promise<void> {
  try {
    await authorizer.hydrate();
  } catch (error) {
    logger.warn('JWKS not loaded at cold start; fetched on first use', { error: describeError(error) });
  }
}
