import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import * as v from 'valibot';
import { ConfigError } from '../errors/index.js';
import { logger } from '../logging/index.js';
import {
  MAX_FIELD_LENGTH,
  normaliseUsername,
  type SignInContextFields,
  signContext,
} from '../risk/contract.js';

/**
 * The context endpoint (`POST /sign-in-context`, no authorizer): the app sends who signs in, with
 * which app client and device; the answer is a short-lived context signed with
 * `RISK_CONTEXT_SECRET`, whose IP and user agent come from API Gateway's request context (what
 * API Gateway saw of the connection), never from the body. The app passes it unchanged as
 * ClientMetadata on SignUp, InitiateAuth and RespondToAuthChallenge.
 */

/** No control characters: the device id is opaque, but it ends up in logs and the history. */
const printable = (name: string, max: number) =>
  v.pipe(
    v.string(`${name} must be a string`),
    v.minLength(1, `${name} must not be empty`),
    v.maxLength(max, `${name} must be at most ${max} characters`),
    v.check((text) => !/\p{Cc}/u.test(text), `${name} must not contain control characters`),
  );

/** What the app sends. */
export const contextRequestSchema = v.strictObject({
  /** What the user types to sign in (username, email or phone number); Cognito's limit is 128. */
  username: printable('username', 128),
  /** The app client the user signs in with (Cognito's client ids: letters, digits, `+`). */
  clientId: v.pipe(
    v.string('clientId must be a string'),
    v.regex(/^[\w+]{1,128}$/, 'clientId must be an app client id (letters, digits, +; at most 128)'),
  ),
  /** The app's own device identifier, opaque to Gatehouse. */
  deviceId: v.optional(printable('deviceId', 128)),
  /** Cognito's device key, when the app remembers devices. */
  deviceKey: v.optional(printable('deviceKey', 128)),
});
export type ContextRequest = v.InferOutput<typeof contextRequestSchema>;

export interface ContextEndpointOptions {
  /** The signing key, or where to get it at each request (a deployment's key is refreshed; shared/risk/context-key.ts). */
  secret: string | undefined | (() => string | undefined);
  /** The context's lifetime: the triggers' `RISK_CONTEXT_MAX_AGE_SECONDS`. */
  maxAgeSeconds: number;
}

/** The signed context: what the app passes as ClientMetadata, and until when it is good. */
export interface SignedContext {
  clientMetadata: SignInContextFields & { signature: string };
  /** Epoch seconds after which the triggers take the context for stale. */
  expiresAt: number;
}

/** Fails at cold start without a secret: an endpoint that cannot sign has no use. */
export function requireSecret(secret: string | undefined): string {
  if (!secret) throw new ConfigError('RISK_CONTEXT_SECRET', 'is required by the sign-in context endpoint');
  return secret;
}

/**
 * Signs the context of one sign-in. The IP and the user agent are API Gateway's (`sourceIp`,
 * `userAgent` of the request context); a user agent longer than a context field may be is cut.
 */
export function signedContext(
  request: ContextRequest,
  seen: { sourceIp: string; userAgent?: string },
  secret: string,
  maxAgeSeconds: number,
  now = Date.now(),
  nonce = randomBytes(16).toString('base64url'),
): SignedContext {
  const issuedAt = Math.floor(now / 1000);
  const userAgent = seen.userAgent?.replace(/\p{Cc}/gu, ' ').slice(0, MAX_FIELD_LENGTH);
  const fields: SignInContextFields = {
    username: normaliseUsername(request.username),
    clientId: request.clientId,
    ip: seen.sourceIp,
    ...(userAgent ? { userAgent } : {}),
    ...(request.deviceId ? { deviceId: request.deviceId } : {}),
    ...(request.deviceKey ? { deviceKey: request.deviceKey } : {}),
    timestamp: String(issuedAt),
    nonce,
  };
  return {
    clientMetadata: { ...fields, signature: signContext(fields, secret) },
    expiresAt: issuedAt + maxAgeSeconds,
  };
}

const json = (statusCode: number, body: unknown): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** The HTTP side: parse the body (400 naming the bad field), sign, answer 200. */
export function contextEndpoint(options: ContextEndpointOptions) {
  const key =
    typeof options.secret === 'function' ? options.secret : () => requireSecret(options.secret as string);
  if (typeof options.secret !== 'function') requireSecret(options.secret);
  return async (event: APIGatewayProxyEventV2, now = Date.now()): Promise<APIGatewayProxyResultV2> => {
    const secret = requireSecret(key());
    const sourceIp = event.requestContext?.http?.sourceIp;
    if (!sourceIp) {
      // API Gateway always sends it: without it there is nothing to vouch for.
      logger.error('sign-in context: no source IP in the request context');
      return json(500, { error: 'NO_SOURCE_IP', message: 'The request could not be completed.' });
    }
    const parsed = parseBody(event);
    if (!parsed.ok) {
      logger.info('sign-in context refused', { reason: parsed.message });
      return json(400, { error: 'BAD_REQUEST', message: parsed.message });
    }
    const context = signedContext(
      parsed.request,
      { sourceIp, userAgent: event.requestContext.http.userAgent },
      secret,
      options.maxAgeSeconds,
      now,
    );
    logger.info('sign-in context issued', { clientId: parsed.request.clientId });
    return json(200, context);
  };
}

type Parsed = { ok: true; request: ContextRequest } | { ok: false; message: string };

function parseBody(event: APIGatewayProxyEventV2): Parsed {
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body;
  if (!raw) return { ok: false, message: 'the body must be a JSON object with username and clientId' };
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { ok: false, message: 'the body is not valid JSON' };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, message: 'the body must be a JSON object' };
  const result = v.safeParse(contextRequestSchema, body);
  if (result.success) return { ok: true, request: result.output };
  const issue = result.issues[0];
  if (issue.type !== 'strict_object') return { ok: false, message: issue.message };
  const key = String(issue.path?.[0]?.key);
  return { ok: false, message: issue.expected === 'never' ? `unknown field ${key}` : `${key} is required` };
}
