import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { withInvocationDeadline } from '../aws/deadline.js';
import { runtimeSettings } from '../config/runtime.js';
import { describeError, GENERIC_USER_MESSAGE, InvalidEventError, UserFacingError } from '../errors/index.js';
import { logger } from '../logging/index.js';
import { logContext } from './log-context.js';

export { logContext } from './log-context.js';

/**
 * The one middy chain every user-pool trigger goes through:
 * 1. context: a structured log context (function, request id, triggerSource), no event body;
 * 2. parse (a middleware, `parseEvent`): the runtime parser of the trigger, so the core receives
 *    a typed, checked event;
 * 3. error policy: a `UserFacingError` reaches Cognito as it is; anything else is logged with
 *    its cause and becomes a generic message (Cognito shows thrown messages to users);
 * 4. the core runs under the invocation's deadline (`shared/aws/deadline.ts`): every outside call
 *    ends before Cognito stops waiting, and the core's own policy decides what that means.
 */
export interface TriggerOptions<E, R> {
  /** Function name for logs, e.g. `pre-sign-up`. */
  name: string;
  /** Checks the incoming event and names the first bad field. */
  parse: (input: unknown) => E;
  /** The trigger's logic; returns what Cognito receives (usually the event). */
  core: (event: E, context: Context) => Promise<R>;
  /** Further middlewares, run after the log context and under the error policy (e.g. reading a key). */
  use?: middy.MiddlewareObj<unknown, unknown>[];
}

export function triggerHandler<E, R>(options: TriggerOptions<E, R>) {
  runtimeSettings(); // validated at cold start: a bad setting fails here, naming it
  return (
    middy<unknown, R>()
      .use(logContext(options.name))
      .use(triggerErrorPolicy())
      .use(parseEvent(options.parse))
      .use(options.use ?? [])
      // The chain takes the raw event (`unknown`); by now `parseEvent` has checked it as an `E`.
      .handler((event, context) => withInvocationDeadline(context, () => options.core(event as E, context)))
  );
}

/**
 * Replaces the raw event with the parsed one before the handler runs (the parser returns the same
 * object, checked and typed); a malformed event never reaches the core.
 */
export function parseEvent<E>(parse: (input: unknown) => E): middy.MiddlewareObj<unknown, unknown> {
  return {
    before: (request) => {
      request.event = parse(request.event);
    },
  };
}

/** Only deliberate messages reach the user; everything else is generic, and logged with its cause. */
export function triggerErrorPolicy(): middy.MiddlewareObj<unknown, unknown> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof UserFacingError) {
        logger.info('rejected', { code: error.code });
        return;
      }
      if (error instanceof InvalidEventError) {
        logger.error('invalid event', { path: error.path, problem: error.message });
      } else {
        logger.error('unexpected failure', { error: describeError(error) });
      }
      request.error = new Error(GENERIC_USER_MESSAGE, { cause: error });
    },
  };
}
