import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type RemainingTime, withInvocationDeadline } from '../aws/deadline.js';
import type { AlbEvent, AlbResult } from '../events/alb.js';
import { logger } from '../logging/index.js';
import { loadAlbSettings } from './settings.js';
import { type AlbPrincipal, AlbRequestVerifier, AlbUnauthorized } from './verify.js';

/** The Lambda context of a handler behind `albAuthentication()`: the verified principal added. */
export type AlbAuthenticatedContext = Context & { principal: AlbPrincipal };

let defaultVerifier: AlbRequestVerifier | undefined;

/** The verifier built from the ALB_* settings, once per container. */
function verifierFromSettings(): AlbRequestVerifier {
  defaultVerifier ??= new AlbRequestVerifier(loadAlbSettings());
  return defaultVerifier;
}

/**
 * The principal of a request the load balancer authenticated (verifier from the ALB_* settings,
 * built on first use); throws `AlbUnauthorized` for a missing, forged, expired or another load
 * balancer's header. For handlers without middy: pass the Lambda context, so that a key fetch
 * (a kid not seen yet) ends by the invocation's deadline instead of the function's timeout.
 */
export function verifyAlbRequest(event: AlbEvent, context?: Partial<RemainingTime>): Promise<AlbPrincipal> {
  return withinDeadline(context, () => verifierFromSettings().verify(event));
}

/**
 * Verification under the invocation's deadline (`shared/aws/deadline.ts`): the key fetcher reads
 * it, so a hung key endpoint is cut before the function's timeout and thrown (fail closed).
 */
function withinDeadline<T>(
  context: Partial<RemainingTime> | undefined,
  verify: () => Promise<T>,
): Promise<T> {
  return context ? withInvocationDeadline(context, verify) : verify();
}

/** The 401 a Lambda target answers, in the header style of the event (multi-value or not). */
export function unauthorizedResponse(event: Pick<AlbEvent, 'multiValueHeaders'>): AlbResult {
  const headers = { 'content-type': 'application/json', 'www-authenticate': 'Bearer' };
  return {
    statusCode: 401,
    statusDescription: '401 Unauthorized',
    ...(event.multiValueHeaders
      ? { multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) }
      : { headers }),
    body: JSON.stringify({ message: 'Unauthorized' }),
    isBase64Encoded: false,
  };
}

/**
 * middy middleware for a user's function behind an ALB with Cognito authentication: verifies the
 * request before the handler and puts the principal on `context.principal`; a request without a
 * valid `x-amzn-oidc-data` gets a 401 and never reaches the handler (the reason is logged, the
 * token never). A key outage, or a key endpoint still silent at the invocation's deadline, is
 * thrown (the ALB answers 502): it fails closed.
 */
export function albAuthentication(
  verifier: AlbRequestVerifier = verifierFromSettings(),
): middy.MiddlewareObj<AlbEvent, AlbResult, Error, AlbAuthenticatedContext> {
  return {
    before: async (request) => {
      request.context.principal = await withinDeadline(request.context, () => verifier.verify(request.event));
    },
    // A refusal is answered here rather than by an early return, so that the middlewares before
    // this one (the log context's `completed` line) still see the invocation end.
    onError: (request) => {
      const error = request.error;
      if (!(error instanceof AlbUnauthorized)) return;
      logger.info('unauthorized', { reason: error.reason, detail: error.detail });
      request.response = unauthorizedResponse(request.event);
    },
  };
}
