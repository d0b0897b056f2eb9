import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { DeadlineExceededError } from '../errors/index.js';

/**
 * The invocation's deadline: every call that leaves the process ends before it, so that a slow or
 * hung dependency fails inside the function (which then applies its documented policy, README
 * "Deadlines and faults") instead of running into Cognito's 5-second wait or the Lambda timeout.
 *
 * It is the invocation's remaining time (`context.getRemainingTimeInMillis()`, the function's
 * timeout: 5 s for Cognito's synchronous triggers) minus `DEADLINE_MARGIN_MS`, kept to log the
 * outcome and answer. It travels with the invocation through AsyncLocalStorage, so every AWS
 * client of `shared/aws` applies it to each call (`abortSignal`) without each call site passing it,
 * and concurrent invocations in one process (tests, the load run) keep theirs apart.
 */
export const DEADLINE_MARGIN_MS = 500;

/**
 * One invocation's deadline. Its signal (an AbortController and a timer) is made at its first use,
 * by the first call that leaves the process: an invocation that makes none (a cached
 * authorization, a custom message) pays for neither, about 5 µs a warm request and 1 ms of a
 * cold one (Node loads its AbortController at the first use).
 */
class Deadline {
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  /** `at`: epoch ms (wall clock); `budgetMs`: the invocation's budget, for the error's message. */
  constructor(
    readonly at: number,
    private readonly budgetMs: number,
  ) {}

  /** Aborts when `at` passes (at once if it has); never once the invocation has ended. */
  get signal(): AbortSignal {
    if (this.controller) return this.controller.signal;
    const controller = new AbortController();
    // Parallel calls each listen to the one signal (the SDK and node:http remove their listener when
    // a call ends): more than Node's default 10 at once is expected, not a leak.
    setMaxListeners(100, controller.signal);
    this.controller = controller;
    if (this.ended) return controller.signal;
    const abort = () => controller.abort(new DeadlineExceededError(this.budgetMs));
    const remainingMs = this.at - Date.now();
    if (remainingMs <= 0) abort();
    else {
      this.timer = setTimeout(abort, remainingMs);
      this.timer.unref();
    }
    return controller.signal;
  }

  end(): void {
    this.ended = true;
    clearTimeout(this.timer);
  }
}

const current = new AsyncLocalStorage<Deadline>();

/** The part of a Lambda context the deadline reads. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/**
 * Runs `work` with the deadline of this invocation: its remaining time minus the margin. Calls made
 * by `work` (and everything it awaits) through `shared/aws` clients, the key fetcher and the legacy
 * endpoint are aborted when it passes.
 */
export function withInvocationDeadline<T>(
  context: Partial<RemainingTime>,
  work: () => Promise<T>,
): Promise<T> {
  // A handler called without a Lambda context (a test, a script) has no deadline to keep.
  if (typeof context?.getRemainingTimeInMillis !== 'function') return work();
  const budgetMs = Math.max(0, context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS);
  const deadline = new Deadline(Date.now() + budgetMs, budgetMs);
  return current.run(deadline, work).finally(() => deadline.end());
}

/**
 * Runs `work` with a deadline `reserveMs` earlier than the invocation's, so that what follows it
 * (a marker to write or release after a send) still has time before the invocation's own deadline.
 * Outside an invocation, `work` runs as it is.
 */
export function withReserve<T>(reserveMs: number, work: () => Promise<T>): Promise<T> {
  const outer = current.getStore();
  if (!outer) return work();
  return withInvocationDeadline(
    { getRemainingTimeInMillis: () => outer.at - Date.now() - reserveMs + DEADLINE_MARGIN_MS },
    work,
  );
}

/** Epoch ms at which this invocation's calls must have ended; undefined outside an invocation. */
export function invocationDeadline(): number | undefined {
  return current.getStore()?.at;
}

/** The signal that aborts at this invocation's deadline; undefined outside an invocation (scripts, setup). */
export function deadlineSignal(): AbortSignal | undefined {
  return current.getStore()?.signal;
}

/**
 * The signal of a call with its own timeout (the legacy endpoint's, a key fetch's): whichever comes
 * first of that timeout and the invocation's deadline.
 */
export function callSignal(timeoutMs: number): AbortSignal {
  const own = AbortSignal.timeout(timeoutMs);
  const deadline = deadlineSignal();
  return deadline ? AbortSignal.any([own, deadline]) : own;
}
