import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A local HTTP proxy in front of one stand-in (dynalite, the SES emulator, the SNS outbox, the
 * Cognito stand-in, a JWKS server, a legacy endpoint) that injects one fault at a time into
 * every request it forwards. Gatehouse's clients are pointed at the proxy instead of the stand-in
 * (their `*_ENDPOINT` settings); the test reads and seeds the stand-in directly.
 */
export type Fault =
  | { kind: 'none' }
  /**
   * Waits this long before forwarding (the dependency is slow; longer than a deadline = hung); with
   * `after`, only from the request after the first `after` on (it slows down mid-invocation).
   */
  | { kind: 'latency'; ms: number; after?: number }
  /**
   * Forwards at once (the service acts on the request: SES accepts the mail), then holds the
   * service's answer this long: a caller whose deadline comes first never learns that it was done.
   */
  | { kind: 'slow-answer'; ms: number }
  /** Resets the connection (TCP RST) as soon as the request arrives. */
  | { kind: 'reset' }
  /** Answers this 5xx status with the service's own error body. */
  | { kind: 'status'; status: 500 | 503 }
  /** DynamoDB throttling, as DynamoDB answers it (400 with the JSON error type). */
  | { kind: 'throttle'; error: 'ProvisionedThroughputExceededException' | 'ThrottlingException' }
  /** DynamoDB BatchGetItem answers only the first half of the keys of each table, the rest unprocessed. */
  | { kind: 'unprocessed' };

/** The wire protocol of the stand-in: how an injected error answer must look to its client. */
export type Protocol = 'dynamodb' | 'aws-json' | 'aws-rest-json' | 'aws-query' | 'http';

export interface FaultProxy {
  endpoint: string;
  /** The fault applied from the next request on. */
  set(fault: Fault): void;
  /** Requests that reached the proxy since the last `set` (whatever became of them). */
  requests(): number;
  stop(): Promise<void>;
}

/** A short label of a fault for the matrix: `latency 2000 ms`, `reset`, `503`, `throttle (PTEE)`. */
export function faultLabel(fault: Fault): string {
  switch (fault.kind) {
    case 'none':
      return 'none';
    case 'latency':
      return fault.ms >= 1000 ? `latency ${fault.ms / 1000} s` : `latency ${fault.ms} ms`;
    case 'slow-answer':
      return `done, answered after ${fault.ms / 1000} s`;
    case 'reset':
      return 'connection reset';
    case 'status':
      return `${fault.status}`;
    case 'throttle':
      return fault.error === 'ThrottlingException' ? 'ThrottlingException' : 'ProvisionedThroughputExceeded';
    case 'unprocessed':
      return 'UnprocessedKeys';
  }
}

export async function startFaultProxy(target: string, protocol: Protocol): Promise<FaultProxy> {
  const upstream = new URL(target);
  let fault: Fault = { kind: 'none' };
  let count = 0;
  const sockets = new Set<Socket>();

  const server = createServer((incoming, outgoing) => {
    const position = ++count;
    const current = fault;
    readBody(incoming).then(
      (body) => handle(current, position, incoming, body, outgoing),
      () => outgoing.destroy(),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(
    current: Fault,
    position: number,
    incoming: IncomingMessage,
    body: Buffer,
    outgoing: ServerResponse,
  ) {
    switch (current.kind) {
      case 'reset':
        incoming.socket.resetAndDestroy();
        return;
      case 'status':
        return answerError(outgoing, protocol, current.status, 'InternalFailure');
      case 'throttle':
        return answerError(outgoing, protocol, 400, current.error);
      case 'latency':
        if (position <= (current.after ?? 0)) break;
        await delay(current.ms, incoming);
        if (incoming.socket.destroyed) return;
        break;
    }
    if (current.kind === 'slow-answer')
      return forwardThenHold(upstream, incoming, body, outgoing, current.ms);
    const target = incoming.headers['x-amz-target'];
    if (current.kind === 'unprocessed' && target === 'DynamoDB_20120810.BatchGetItem') {
      return forwardPartialBatch(upstream, incoming, body, outgoing);
    }
    forward(upstream, incoming, body, outgoing);
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set(next) {
      fault = next;
      count = 0;
    },
    requests: () => count,
    stop: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

function readBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => resolve(Buffer.concat(chunks)));
    incoming.on('error', reject);
  });
}

/** Waits, but stops early when the client gave up (its deadline closed the connection). */
function delay(ms: number, incoming: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    incoming.socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function forward(upstream: URL, incoming: IncomingMessage, body: Buffer, outgoing: ServerResponse): void {
  send(upstream, incoming, body).then(
    ({ status, headers, payload }) => {
      outgoing.writeHead(status, headers);
      outgoing.end(payload);
    },
    () => outgoing.destroy(),
  );
}

/** The service gets the request now; its answer reaches the caller `ms` later, if it still listens. */
function forwardThenHold(
  upstream: URL,
  incoming: IncomingMessage,
  body: Buffer,
  outgoing: ServerResponse,
  ms: number,
): void {
  send(upstream, incoming, body).then(
    async ({ status, headers, payload }) => {
      await delay(ms, incoming);
      if (incoming.socket.destroyed) return;
      outgoing.writeHead(status, headers);
      outgoing.end(payload);
    },
    () => outgoing.destroy(),
  );
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  payload: Buffer;
}

function send(upstream: URL, incoming: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...incoming.headers, host: upstream.host, 'content-length': String(body.length) };
    const req = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers },
      (res) => {
        readBody(res).then(
          (payload) => resolve({ status: res.statusCode ?? 502, headers: res.headers, payload }),
          reject,
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * DynamoDB's partial batch answer: the stand-in gets the first half (rounded up) of each table's
 * keys; the rest come back under `UnprocessedKeys` with the request's own options, as DynamoDB
 * answers under throttling. A caller that asks again for them gets them (the same rule halves
 * again), so a batch that retries its unprocessed keys completes in a few rounds.
 */
async function forwardPartialBatch(
  upstream: URL,
  incoming: IncomingMessage,
  body: Buffer,
  outgoing: ServerResponse,
) {
  const request = JSON.parse(body.toString('utf8')) as {
    RequestItems: Record<string, { Keys: unknown[] } & Record<string, unknown>>;
  };
  const processed: typeof request.RequestItems = {};
  const unprocessed: typeof request.RequestItems = {};
  for (const [table, entry] of Object.entries(request.RequestItems)) {
    const half = Math.ceil(entry.Keys.length / 2);
    processed[table] = { ...entry, Keys: entry.Keys.slice(0, half) };
    if (entry.Keys.length > half) unprocessed[table] = { ...entry, Keys: entry.Keys.slice(half) };
  }
  const partial = Buffer.from(JSON.stringify({ ...request, RequestItems: processed }));
  try {
    const answer = await send(upstream, incoming, partial);
    if (answer.status !== 200) {
      outgoing.writeHead(answer.status, answer.headers);
      outgoing.end(answer.payload);
      return;
    }
    const result = JSON.parse(answer.payload.toString('utf8')) as Record<string, unknown>;
    const payload = Buffer.from(JSON.stringify({ ...result, UnprocessedKeys: unprocessed }));
    const { 'content-length': _length, 'x-amz-crc32': _crc, ...headers } = answer.headers;
    outgoing.writeHead(200, { ...headers, 'content-length': String(payload.length) });
    outgoing.end(payload);
  } catch {
    outgoing.destroy();
  }
}

/** An error answer in the shape each protocol's SDK parses (type, message, request id). */
function answerError(outgoing: ServerResponse, protocol: Protocol, status: number, code: string): void {
  const message = `injected fault: ${code}`;
  const requestId = crypto.randomUUID();
  let type = 'application/x-amz-json-1.0';
  let body: string;
  switch (protocol) {
    case 'dynamodb': {
      const namespace =
        code === 'ThrottlingException' ? 'com.amazon.coral.availability' : 'com.amazonaws.dynamodb.v20120810';
      const name = code === 'InternalFailure' ? 'InternalServerError' : code;
      body = JSON.stringify({ __type: `${namespace}#${name}`, message });
      break;
    }
    case 'aws-json':
      type = 'application/x-amz-json-1.1';
      body = JSON.stringify({ __type: code, message });
      break;
    case 'aws-rest-json':
      type = 'application/json';
      body = JSON.stringify({ message });
      break;
    case 'aws-query':
      type = 'text/xml';
      body = `<ErrorResponse><Error><Type>Receiver</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
      break;
    default:
      type = 'text/plain';
      body = message;
  }
  outgoing.writeHead(status, {
    'content-type': type,
    'x-amzn-requestid': requestId,
    ...(protocol === 'aws-rest-json' ? { 'x-amzn-errortype': code } : {}),
  });
  outgoing.end(body);
}
