import * as v from 'valibot';
import { GatehouseError } from '../errors/index.js';
import { authorizerInputSchemas, MAX_ARN_LENGTH } from '../events/authorizer-schema.js';
import type { AuthorizerSettings } from './settings.js';

/** Why a request was refused or allowed; logged, never returned to the caller. */
export type ReasonCode =
  | 'ALLOWED'
  | 'UNSUPPORTED_EVENT'
  | 'NO_TOKEN'
  | 'NOT_BEARER'
  | 'SEVERAL_TOKENS'
  | 'TOKEN_TOO_LARGE'
  | 'MALFORMED_TOKEN'
  | 'INVALID_TOKEN'
  | 'REVOKED'
  | 'SIGNED_OUT'
  | 'AMBIGUOUS_PATH'
  | 'NO_RULE'
  | 'MISSING_RIGHTS';

/** A 401: thrown as exactly `Unauthorized` by the handler; the reason only reaches the log. */
export class AuthorizationFailure extends GatehouseError {
  readonly reason: ReasonCode;
  /** What the library objected to (`expired`, `signature`, `issuer`...), never its message: messages carry claim values. */
  readonly detail: string | undefined;
  constructor(reason: ReasonCode, detail?: string) {
    super('AuthorizationFailure', reason);
    this.reason = reason;
    this.detail = detail;
  }
}

export type EventFormat = 'token' | 'request' | 'http-1.0' | 'http-2.0';

/** What the authorizer needs from any of the four event shapes. */
export interface RequestFacts {
  format: EventFormat;
  /** The raw header value (`Bearer ...`). */
  authorization: string;
  /** `methodArn` or `routeArn`: the resource the policy speaks about. */
  arn: string;
}

/** The route an ARN names. */
export interface ArnRoute {
  /** `arn:...:apiId/stage/`, the prefix of every resource of this API and stage. */
  apiPrefix: string;
  method: string;
  /** The request path as the ARN carries it, `/items/42`. */
  path: string;
}

const ARN = /^(arn:[\w-]+:execute-api:[\w-]+:\d{12}:[\w-]+\/[^/]+\/)([A-Z]+|\*)(\/.*)?$/;

/**
 * Reads the token and the ARN from a REST TOKEN / REQUEST or HTTP API 1.0 / 2.0 event, checking
 * every field it touches (the event is untrusted in shape: a bad one is a 401, never a 500).
 *
 * The schemas of `authorizerInputSchemas` say what a readable event is. On every request they
 * are applied as the few direct checks below, which accept exactly what the schemas accept
 * (test/authorizer/request-shape.test.ts compares the two on generated events): a valibot parse
 * costs more than the rest of a cached authorization. A refused event is then run through its
 * schema, whose first issue names the field in the log (`detail`).
 */
export function readRequest(input: unknown, settings: Pick<AuthorizerSettings, 'eventFormat'>): RequestFacts {
  const format = detectFormat(input);
  if (!format || (settings.eventFormat !== 'auto' && settings.eventFormat !== format)) {
    throw new AuthorizationFailure('UNSUPPORTED_EVENT', format);
  }
  const event = input as Record<string, unknown>;
  if (!hasReadableFields(format, event)) throw unreadable(format, input);
  if (format === 'token') {
    return { format, authorization: event.authorizationToken as string, arn: event.methodArn as string };
  }
  const arn = (format === 'http-2.0' ? event.routeArn : event.methodArn) as string;
  return { format, authorization: headerValue(event.headers, event.multiValueHeaders), arn };
}

/**
 * `authorizerInputSchemas[format]`, for an event whose `type` and `version` `detectFormat` has
 * read: its ARN is a string of at most `MAX_ARN_LENGTH` characters and, in a TOKEN event, the
 * token is a non-empty string. The header maps are read by `headerValue`, which checks them.
 */
function hasReadableFields(format: EventFormat, event: Record<string, unknown>): boolean {
  const arn = format === 'http-2.0' ? event.routeArn : event.methodArn;
  if (typeof arn !== 'string' || arn.length > MAX_ARN_LENGTH) return false;
  if (format !== 'token') return true;
  const token = event.authorizationToken;
  return typeof token === 'string' && token !== '';
}

/** The refusal of an event the direct checks refused, naming the field its schema objects to. */
function unreadable(format: EventFormat, input: unknown): AuthorizationFailure {
  const parsed = v.safeParse(authorizerInputSchemas[format], input, { abortEarly: true });
  // The schema accepting what the direct checks refused would be a bug here: refuse anyway.
  const field = parsed.success ? undefined : parsed.issues[0].path?.[0]?.key;
  const detail = typeof field === 'string' ? field : 'event';
  return new AuthorizationFailure(field === 'authorizationToken' ? 'NO_TOKEN' : 'UNSUPPORTED_EVENT', detail);
}

/** Method, path and API prefix of `arn:aws:execute-api:region:account:api/stage/METHOD/path`. */
export function parseArn(arn: string): ArnRoute {
  const match = ARN.exec(arn);
  if (!match) throw new AuthorizationFailure('UNSUPPORTED_EVENT', 'arn');
  return { apiPrefix: match[1] as string, method: match[2] as string, path: match[3] ?? '/' };
}

/** Which of the four shapes an event claims to be, by its `version` and `type`. */
function detectFormat(input: unknown): EventFormat | undefined {
  if (input === null || typeof input !== 'object') return undefined;
  const { version, type } = input as { version?: unknown; type?: unknown };
  if (version === '2.0') return type === 'REQUEST' ? 'http-2.0' : undefined;
  if (version === '1.0') return type === 'REQUEST' ? 'http-1.0' : undefined;
  if (version !== undefined) return undefined;
  if (type === 'TOKEN') return 'token';
  if (type === 'REQUEST') return 'request';
  return undefined;
}

/**
 * The one Authorization header, looked up case-insensitively (serverless-offline keeps the
 * case, API Gateway 2.0 lower-cases it). Two headers of different case, or two values in
 * `multiValueHeaders`, are refused: which one API Gateway used as identity source is unknowable.
 */
function headerValue(headers: unknown, multiValueHeaders: unknown): string {
  const single = authorizationValues(headers);
  const multi = authorizationValues(multiValueHeaders);
  if (single.length > 1 || multi.length > 1) throw new AuthorizationFailure('SEVERAL_TOKENS');
  if (single.length === 1 && multi.length === 1 && single[0] !== multi[0]) {
    throw new AuthorizationFailure('SEVERAL_TOKENS');
  }
  const value = single[0] ?? multi[0];
  if (value === undefined || value === '') throw new AuthorizationFailure('NO_TOKEN');
  return value;
}

/** Every Authorization value of a header map, whatever the case of its name; arrays flattened. */
function authorizationValues(headers: unknown): string[] {
  if (headers === null || typeof headers !== 'object') return [];
  const values: string[] = [];
  for (const name in headers) {
    if (name.length !== 13 || name.toLowerCase() !== 'authorization') continue;
    const value = (headers as Record<string, unknown>)[name];
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== 'string') throw new AuthorizationFailure('NO_TOKEN');
      values.push(item);
    }
  }
  return values;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The compact JWT of a `Bearer <jwt>` value: the scheme (any case), one space, one token.
 * aws-jwt-verify then checks the three base64url parts; this adds what it lets through: `=`
 * padding and a signature whose last character carries stray low bits. Decoders ignore both,
 * so one signature would have several spellings, each a distinct "token" that verifies.
 * Header and payload need nothing more: the signature covers their exact text.
 * Native `indexOf` scans only: this runs on every request.
 */
export function bearerToken(authorization: string, maxBytes: number): string {
  if (authorization.length > maxBytes + 7) throw new AuthorizationFailure('TOKEN_TOO_LARGE');
  if (!authorization.startsWith('Bearer ') && authorization.slice(0, 7).toLowerCase() !== 'bearer ') {
    throw new AuthorizationFailure('NOT_BEARER'); // `Bearer ` first: no string is made for it
  }
  const token = authorization.slice(7);
  if (token.indexOf(' ') !== -1 || token.indexOf(',') !== -1)
    throw new AuthorizationFailure('SEVERAL_TOKENS');
  const lastDot = token.lastIndexOf('.');
  if (lastDot === -1 || token.indexOf('=') !== -1 || !isCanonical(token.slice(lastDot + 1))) {
    throw new AuthorizationFailure('MALFORMED_TOKEN');
  }
  return token;
}

/** True when the last character of a base64url string carries no stray low bits. */
function isCanonical(part: string): boolean {
  const extra = part.length % 4;
  if (part.length === 0 || extra === 1) return false;
  if (extra === 0) return true;
  const bits = BASE64URL.indexOf(part[part.length - 1] as string);
  return (bits & (extra === 2 ? 0b1111 : 0b11)) === 0;
}
