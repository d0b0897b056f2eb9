import middy from '@middy/core';
import { type AlbAuthenticatedContext, albAuthentication } from '../shared/alb/middleware.js';
import { loadAlbSettings } from '../shared/alb/settings.js';
import { AlbRequestVerifier } from '../shared/alb/verify.js';
import type { AlbEvent, AlbResult } from '../shared/events/alb.js';
import { logContext } from '../shared/middleware/index.js';

/**
 * A sample function behind an Application Load Balancer with Cognito authentication: the ALB
 * verifier checks the load balancer's signed headers, then the handler answers with who called.
 * Copy it for your own functions. The verifier is built once per container, at cold start.
 */
const verifier = new AlbRequestVerifier(loadAlbSettings());

export const handler = middy<AlbEvent, AlbResult, Error, AlbAuthenticatedContext>()
  .use(logContext('alb-sample'))
  .use(albAuthentication(verifier))
  .handler(async (event, { principal }) => {
    return {
      statusCode: 200,
      statusDescription: '200 OK',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        path: event.path,
        sub: principal.sub,
        username: principal.username,
        email: principal.email,
      }),
      isBase64Encoded: false,
    };
  });
