/**
 * The one error module of Gatehouse: a base class, the few kinds every function shares, and (in
 * `./user-facing.ts`) the registry of every message a user can be shown. Only a `UserFacingError`
 * message ever reaches a Cognito client; everything else is logged with its cause chain and
 * replaced by a generic message. The authorizer answers exactly `Unauthorized` and never why.
 */

import { type MessageDetails, type UserFacingCode, userFacingMessages } from './user-facing.js';

export { type UserFacingCode, userFacingMessages } from './user-facing.js';

/**
 * The base of every Gatehouse error. The name is given, not taken from the class: bundles are
 * minified, and logs and callers compare names.
 */
export abstract class GatehouseError extends Error {
  constructor(name: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = name;
  }
}

/** A deliberate, stable message for the end user (Cognito shows it in the hosted UI). */
export class UserFacingError extends GatehouseError {
  /** A stable machine-readable code apps can map, e.g. `SIGNUP_DOMAIN_NOT_ALLOWED`. */
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super('UserFacingError', message, options);
    this.code = code;
  }
}

/** The user-facing error for `code`, with its registered message. */
export function rejection<C extends UserFacingCode>(code: C, ...details: MessageDetails<C>): UserFacingError {
  const message: string | ((...details: string[]) => string) = userFacingMessages[code];
  return new UserFacingError(code, typeof message === 'function' ? message(...details) : message);
}

/**
 * API Gateway (and the ALB sample's 401) turn exactly this message into a 401: the one deliberate
 * answer a caller without valid credentials gets; the reason stays in the log.
 */
export class Unauthorized extends UserFacingError {
  constructor() {
    super('UNAUTHORIZED', 'Unauthorized');
  }
}

/** An incoming event that does not have the shape its trigger promises. */
export class InvalidEventError extends GatehouseError {
  /** Dotted path of the first bad field, e.g. `request.userAttributes.email`. */
  readonly path: string;
  constructor(path: string, problem: string) {
    super('InvalidEventError', `${path || 'event'}: ${problem}`);
    this.path = path;
  }
}

/** A missing or malformed setting: raised at cold start wherever it can be, naming the setting. */
export class ConfigError extends GatehouseError {
  readonly setting: string;
  constructor(setting: string, problem: string, options?: ErrorOptions) {
    super('ConfigError', `Setting ${setting}: ${problem}`, options);
    this.setting = setting;
  }
}

/**
 * A service Gatehouse depends on did not answer (keys, the revocation store): not the caller's
 * fault, so the function fails closed and says so (a 500), never pretends the caller is refused.
 */
export class UnavailableError extends GatehouseError {}

/** The revocation store could not be read: the authorizer fails closed (500), never open. */
export class RevocationUnavailableError extends UnavailableError {
  constructor(cause: unknown) {
    super('RevocationUnavailableError', 'revocation store unavailable', { cause });
  }
}

/**
 * A call cut by the invocation's deadline (shared/aws/deadline.ts): the SDK's `AbortError` carries
 * it as `cause`. The function answers within Cognito's wait rather than being cut off by Lambda.
 */
export class DeadlineExceededError extends UnavailableError {
  constructor(budgetMs: number) {
    super('DeadlineExceededError', `the invocation's deadline passed (${budgetMs} ms budget)`);
  }
}

/** The load balancer's or the user pool's keys could not be fetched (fail closed). */
export class AlbKeysUnavailableError extends UnavailableError {
  constructor(cause: unknown) {
    super('AlbKeysUnavailableError', 'ALB or user pool keys unavailable', { cause });
  }
}

/** A send that failed for a reason a later retry may not have (throttling, outage); Lambda retries it. */
export class DeliveryError extends GatehouseError {
  constructor(channel: 'email' | 'sms', cause: unknown) {
    super('DeliveryError', `${channel} delivery failed`, { cause });
  }
}

/** Why nothing can be sent for this event, whatever the retries: logged, then the invocation ends. */
export class UndeliverableError extends GatehouseError {
  constructor(
    readonly reason: string,
    cause?: unknown,
  ) {
    super('UndeliverableError', reason, { cause });
  }
}

/**
 * A deliberate answer of the operator console's API: an HTTP status, a stable code and a message
 * the operator may read. Anything else becomes a 500 with a generic message (and is logged).
 */
export class ConsoleError extends GatehouseError {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string, options?: ErrorOptions) {
    super('ConsoleError', message, options);
    this.status = status;
    this.code = code;
  }
}

/** The message Cognito clients see for any failure that is not deliberate. */
export const GENERIC_USER_MESSAGE = 'The request could not be completed. Please try again later.';

/** Name, message and cause chain of an error, without stack frames from the event's content. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  return {
    name: error.name,
    message: error.message,
    ...(error.cause !== undefined ? { cause: describeError(error.cause) } : {}),
  };
}

/** Type name used in error messages: `null`, `array`, or the `typeof`. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
