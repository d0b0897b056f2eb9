import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HTTP hop between cognito-local and serverless-offline's Lambda endpoint. It does two
 * things a Lambda invoke endpoint cannot:
 * 1. it records every trigger invocation (function, triggerSource, answer or error), so the demo
 *    and the tests can say which triggers ran and what they decided;
 * 2. it brings cognito-local's events to the shape Cognito sends (`fixEvent`), so the functions
 *    receive what they would receive in AWS, not what the emulator approximates.
 * Nothing else changes: status, headers (`X-Amz-Function-Error`) and payload pass through.
 */
export interface TriggerInvocation {
  /** The Lambda name (`gatehouse-local-preSignUp`). */
  lambdaName: string;
  triggerSource?: string;
  /** The function's answer (the event with its `response`), when it did not fail. */
  response?: unknown;
  /** Cognito shows this message when the function threw (`errorMessage`). */
  error?: string;
  /** Fields the tap changed to match Cognito's real event, for the transcript. */
  fixed: string[];
  at: number;
}

export interface TriggerTap {
  endpoint: string;
  /** Every invocation so far, oldest first. */
  invocations(): readonly TriggerInvocation[];
  /** Invocations recorded since `mark` (a number returned by `mark()`). */
  since(mark: number): readonly TriggerInvocation[];
  mark(): number;
  stop(): Promise<void>;
}

/** Adjusts one event in place; returns the names of the fields it changed. */
export type EventFixer = (event: Record<string, unknown>) => Promise<string[]>;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations/;

export async function startTriggerTap(target: () => string, fixEvent: EventFixer): Promise<TriggerTap> {
  const recorded: TriggerInvocation[] = [];
  const server = createServer((request, response) => {
    relay(request, response).catch((error: unknown) => {
      response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: `trigger tap: ${String(error)}` }));
    });
  });

  async function relay(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const match = request.url?.match(INVOKE_PATH);
    let payload = body;
    let record: TriggerInvocation | undefined;
    if (match && request.method === 'POST') {
      const lambdaName = decodeURIComponent(match[1]!);
      const event = parseObject(body);
      let fixed: string[] = [];
      try {
        fixed = event ? await fixEvent(event) : [];
      } catch (error) {
        // Recorded like a failed trigger, so that the transcript says what went wrong.
        recorded.push({
          lambdaName,
          triggerSource: typeof event?.triggerSource === 'string' ? event.triggerSource : undefined,
          error: `the trigger tap could not bring the event to Cognito's shape: ${String(error)}`,
          fixed: [],
          at: Date.now(),
        });
        throw error;
      }
      if (event) payload = JSON.stringify(event);
      record = {
        lambdaName,
        triggerSource: typeof event?.triggerSource === 'string' ? event.triggerSource : undefined,
        fixed,
        at: Date.now(),
      };
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name)) {
        headers.set(name, value);
      }
    }
    const answer = await fetch(`${target()}${request.url}`, {
      method: request.method,
      headers,
      body: payload,
    });
    const answerBody = await answer.text();
    if (record) {
      const functionError = answer.headers.get('x-amz-function-error');
      const parsed = parseObject(answerBody);
      if (functionError || answer.status >= 400) {
        record.error = typeof parsed?.errorMessage === 'string' ? parsed.errorMessage : answerBody;
      } else {
        record.response = parsed ?? answerBody;
      }
      recorded.push(record);
    }
    const outHeaders: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(name)) {
        outHeaders[name] = value;
      }
    });
    response.writeHead(answer.status, outHeaders);
    response.end(answerBody);
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    invocations: () => recorded,
    mark: () => recorded.length,
    since: (mark) => recorded.slice(mark),
    stop: () => closeServer(server),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((done) => server.close(() => done()));
}
