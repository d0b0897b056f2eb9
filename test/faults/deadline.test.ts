import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_LIMITS } from '../../shared/aws/clients.js';
import { DEADLINE_MARGIN_MS, deadlineSignal, withInvocationDeadline } from '../../shared/aws/deadline.js';

/**
 * The deadline itself, against a server that accepts connections and never answers (the worst
 * dependency: no error, no byte). Every bound below is an upper bound that proves the call was cut,
 * not a speed target.
 */
let server: Server;
let endpoint: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((done) => server.close(done));
});

const remaining = (ms: number) => {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => end - Date.now() };
};

async function timed<T>(work: () => Promise<T>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await work();
    return { error: undefined, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

const hungGet = async () => {
  const { documentClient } = await import('../../shared/aws/dynamodb.js');
  return documentClient().send(new GetCommand({ TableName: 'gatehouse', Key: { pk: 'a', sk: 'b' } }));
};

describe('the invocation deadline', () => {
  it('cuts a hung DynamoDB call at the remaining time minus the margin, naming the deadline', async () => {
    const { error, ms } = await timed(() => withInvocationDeadline(remaining(1_500), hungGet));
    expect((error as Error).name).toBe('AbortError');
    expect(((error as Error).cause as Error).name).toBe('DeadlineExceededError');
    expect(ms).toBeGreaterThanOrEqual(1_500 - DEADLINE_MARGIN_MS - 50);
    expect(ms).toBeLessThan(1_500);
  });

  it('keeps concurrent invocations apart: each call ends by its own deadline', async () => {
    const [short, long] = await Promise.all([
      timed(() => withInvocationDeadline(remaining(1_000), hungGet)),
      timed(() => withInvocationDeadline(remaining(2_000), hungGet)),
    ]);
    expect(short.ms).toBeLessThan(1_000);
    expect(long.ms).toBeGreaterThanOrEqual(2_000 - DEADLINE_MARGIN_MS - 50);
    expect(long.ms).toBeLessThan(2_000);
  });

  it('outside an invocation, the client limits alone bound the call (no SDK default of "wait forever")', async () => {
    const { error, ms } = await timed(hungGet);
    expect((error as Error).name).toBe('TimeoutError');
    const { maxAttempts, requestTimeoutMs } = CALL_LIMITS.dynamodb;
    expect(ms).toBeGreaterThanOrEqual(maxAttempts * requestTimeoutMs - 50);
    expect(ms).toBeLessThan(maxAttempts * requestTimeoutMs + 2_000);
  });

  it('cuts the legacy endpoint before its own (longer) timeout', async () => {
    const { HttpLegacyStore } = await import('../../shared/migration/stores.js');
    const store = new HttpLegacyStore({ url: endpoint, timeoutMs: 4_000 });
    const { error, ms } = await timed(() =>
      withInvocationDeadline(remaining(1_200), () => store.lookup('ann')),
    );
    expect(error).toBeInstanceOf(Error);
    expect(ms).toBeLessThan(1_200);
  });

  it('cuts a key fetch', async () => {
    const { KeyFetcher } = await import('../../shared/jwt/fetcher.js');
    const { error, ms } = await timed(() =>
      withInvocationDeadline(remaining(900), () => new KeyFetcher().fetch(`${endpoint}/jwks.json`)),
    );
    expect((error as Error).name).toBe('AbortError');
    expect(ms).toBeLessThan(900);
  });

  it('is kept from the start of the invocation even when a call first asks for it late', async () => {
    const { error, ms } = await timed(() =>
      withInvocationDeadline(remaining(DEADLINE_MARGIN_MS + 400), async () => {
        await new Promise((done) => setTimeout(done, 300)); // work that calls nothing outside
        return hungGet(); // the signal is made now, and must abort ~100 ms later, not 400
      }),
    );
    expect(((error as Error).cause as Error).name).toBe('DeadlineExceededError');
    expect(ms).toBeGreaterThanOrEqual(400 - 50);
    expect(ms).toBeLessThan(700);
  });

  it('a signal first asked after the deadline passed is already aborted, naming the deadline', async () => {
    const reason = await withInvocationDeadline(remaining(DEADLINE_MARGIN_MS + 50), async () => {
      await new Promise((done) => setTimeout(done, 120));
      const signal = deadlineSignal();
      return signal?.aborted ? signal.reason : undefined;
    });
    expect((reason as Error)?.name).toBe('DeadlineExceededError');
  });

  it('a signal first asked after the invocation ended never aborts', async () => {
    let askedLate: Promise<AbortSignal | undefined> | undefined;
    await withInvocationDeadline(remaining(DEADLINE_MARGIN_MS + 50), async () => {
      // Work left running past the invocation's end (it keeps the invocation's async context).
      askedLate = new Promise((done) => setTimeout(() => done(deadlineSignal()), 150));
    });
    const signal = await askedLate;
    expect(signal).toBeDefined();
    await new Promise((done) => setTimeout(done, 50));
    expect(signal?.aborted).toBe(false);
  });
});
