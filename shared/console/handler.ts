import middy from '@middy/core';
import { withInvocationDeadline } from '../aws/deadline.js';
import { InvalidEventError } from '../errors/index.js';
import { logger } from '../logging/index.js';
import { describeError, logContext } from '../middleware/index.js';
import { handleApi } from './api.js';
import { ConsoleError } from './errors.js';
import { errorResponse, type HttpResponse, parseConsoleEvent } from './http.js';
import { servePage } from './page.js';
import type { CognitoCalls } from './users.js';

const API_PREFIX = '/console/api/';
const PAGE_PREFIX = /^\/console(?:\/([\w.-]*))?$/;

/**
 * Routes one HTTP API request: the page's files (public, no data) or the API (checked in
 * `handleApi`). A deliberate refusal answers its status and code; anything else is logged with
 * its cause and answered 500 with a generic message.
 */
export async function handleConsoleEvent(input: unknown, cognito?: CognitoCalls): Promise<HttpResponse> {
  try {
    const event = parseConsoleEvent(input);
    const path = event.rawPath;
    if (path.startsWith(API_PREFIX)) return await handleApi(event, path.slice(API_PREFIX.length), cognito);
    const file = PAGE_PREFIX.exec(path);
    if (file) return servePage(event, file[1] ?? '');
    throw new ConsoleError(404, 'CONSOLE_NOT_FOUND', 'Not found.');
  } catch (error) {
    if (error instanceof ConsoleError) {
      logger.info('console refused', { status: error.status, code: error.code });
      return errorResponse(error);
    }
    if (error instanceof InvalidEventError) {
      logger.error('invalid event', { path: error.path, problem: error.message });
    } else {
      logger.error('unexpected failure', { error: describeError(error) });
    }
    return errorResponse(
      new ConsoleError(500, 'CONSOLE_FAILURE', 'The console could not answer. Try again.'),
    );
  }
}

/**
 * The function's chain: one log context and `completed` line per request, no event body logged;
 * its Cognito and DynamoDB calls end by the invocation's deadline (a 500 answer then).
 */
export function consoleHandler() {
  return middy<unknown, HttpResponse>()
    .use(logContext('console'))
    .handler((event, context) => withInvocationDeadline(context, () => handleConsoleEvent(event)));
}
