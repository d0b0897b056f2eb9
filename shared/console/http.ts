import * as v from 'valibot';
import { ConsoleError, describeType, InvalidEventError } from '../errors/index.js';

/**
 * The HTTP API (payload 2.0) event the console function reads: only these fields, checked.
 * The authorizer's context is API Gateway's word (the client cannot set it); everything else
 * (path, query, headers, body) is the client's claim.
 */
export const consoleEventSchema = v.object({
  rawPath: v.pipe(v.string(), v.maxLength(512)),
  rawQueryString: v.nullish(v.string(), ''),
  headers: v.nullish(v.record(v.string(), v.string()), {}),
  body: v.nullish(v.string()),
  isBase64Encoded: v.nullish(v.boolean(), false),
  requestContext: v.object({
    http: v.object({ method: v.string() }),
    authorizer: v.optional(
      v.object({
        lambda: v.optional(v.record(v.string(), v.union([v.string(), v.number(), v.boolean()]))),
      }),
    ),
  }),
});

export type ConsoleEvent = v.InferOutput<typeof consoleEventSchema>;

/** The event's fields the console reads, with their defaults; a malformed event names its bad field. */
export function parseConsoleEvent(input: unknown): ConsoleEvent {
  const result = v.safeParse(consoleEventSchema, input, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = (issue.path ?? []).map((step) => String(step.key)).join('.');
  throw new InvalidEventError(path, `${issue.message}, got ${describeType(issue.input)}`);
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers of every answer: nothing sniffed, framed, referred or (for data) cached. */
const BASE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** A JSON answer holding personal data: never stored by a browser or a proxy. */
export function json(statusCode: number, value: unknown): HttpResponse {
  return {
    statusCode,
    headers: {
      ...BASE_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      pragma: 'no-cache',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    },
    body: JSON.stringify(value),
  };
}

/** A static file of the page (no personal data): revalidated by its ETag. */
export function asset(
  file: { contentType: string; body: string; etag: string },
  csp: string,
  ifNoneMatch: string | undefined,
): HttpResponse {
  const headers = {
    ...BASE_HEADERS,
    'content-type': file.contentType,
    'cache-control': 'no-cache',
    etag: file.etag,
    'content-security-policy': csp,
  };
  if (ifNoneMatch === file.etag) return { statusCode: 304, headers, body: '' };
  return { statusCode: 200, headers, body: file.body };
}

export function errorResponse(error: ConsoleError): HttpResponse {
  return json(error.status, { error: error.code, message: error.message });
}

/** Header names are case-insensitive; API Gateway lower-cases them in payload 2.0, offline may not. */
export function header(event: ConsoleEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The request body as JSON, or a 400 naming what is wrong. */
export function jsonBody(event: ConsoleEvent): unknown {
  if (!event.body) throw new ConsoleError(400, 'CONSOLE_BODY_REQUIRED', 'The request needs a JSON body.');
  const type = header(event, 'content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new ConsoleError(415, 'CONSOLE_JSON_REQUIRED', 'The body must be application/json.');
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw new ConsoleError(400, 'CONSOLE_BODY_NOT_JSON', 'The body is not valid JSON.');
  }
}

/** Validates client input, naming the first bad field in a 400. */
export function checkInput<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = (issue.path ?? []).map((step) => String(step.key)).join('.');
  throw new ConsoleError(400, 'CONSOLE_BAD_REQUEST', `${what}${path ? `.${path}` : ''}: ${issue.message}`);
}
