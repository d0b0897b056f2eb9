import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

/**
 * Counts the real HTTP requests the functions send to the local DynamoDB and SES, per flow, by
 * listening on Node's `http.client.request.start` diagnostics channel. The channel fires
 * synchronously where the SDK opens the request, so the flow running there (an
 * AsyncLocalStorage store set around each step) is the one that made it. Every client the
 * functions build is counted alike, retries included: nothing is mocked or wrapped.
 */
export interface RoundTripCounter {
  /** Runs `work` with its requests counted under `flow`. */
  within<T>(flow: string, work: () => Promise<T>): Promise<T>;
  /** Requests per flow and target (`dynamodb` with its operation, or `ses`). */
  counts(): Map<string, Map<string, number>>;
  stop(): void;
}

const CHANNEL = 'http.client.request.start';

export function countRoundTrips(targets: { dynamodb: string; ses: string }): RoundTripCounter {
  const flows = new AsyncLocalStorage<string>();
  const counts = new Map<string, Map<string, number>>();
  const hostOf = (endpoint: string) => new URL(endpoint).host;
  const dynamoHost = hostOf(targets.dynamodb);
  const sesHost = hostOf(targets.ses);
  const listener = (message: unknown) => {
    const request = (message as { request: ClientRequest }).request;
    const host = String(request.getHeader('host') ?? '');
    const target =
      host === dynamoHost
        ? `dynamodb ${String(request.getHeader('x-amz-target') ?? '').split('.')[1] ?? '?'}`
        : host === sesHost
          ? 'ses'
          : undefined;
    if (!target) return;
    const flow = flows.getStore() ?? '(outside a flow)';
    const perFlow = counts.get(flow) ?? new Map<string, number>();
    perFlow.set(target, (perFlow.get(target) ?? 0) + 1);
    counts.set(flow, perFlow);
  };
  subscribe(CHANNEL, listener);
  return {
    within: (flow, work) => flows.run(flow, work),
    counts: () => counts,
    stop: () => unsubscribe(CHANNEL, listener),
  };
}
