/**
 * The few error classes of Gatehouse. Only a `UserFacingError` message ever reaches a Cognito
 * client; everything else is logged with its cause and replaced by a generic message.
 */

/** A deliberate, stable message for the end user (Cognito shows it in the hosted UI). */
export class UserFacingError extends Error {
  /** A stable machine-readable code apps can map, e.g. `SIGNUP_DOMAIN_NOT_ALLOWED`. */
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UserFacingError';
    this.code = code;
  }
}

/** An incoming event that does not have the shape its trigger promises. */
export class InvalidEventError extends Error {
  /** Dotted path of the first bad field, e.g. `request.userAttributes.email`. */
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path || 'event'}: ${problem}`);
    this.name = 'InvalidEventError';
    this.path = path;
  }
}

/** A missing or malformed setting, raised at cold start. */
export class ConfigError extends Error {
  readonly setting: string;
  constructor(setting: string, problem: string, options?: ErrorOptions) {
    super(`Setting ${setting}: ${problem}`, options);
    this.name = 'ConfigError';
    this.setting = setting;
  }
}

/** The message Cognito clients see for any failure that is not deliberate. */
export const GENERIC_USER_MESSAGE = 'The request could not be completed. Please try again later.';

/** Type name used in error messages: `null`, `array`, or the `typeof`. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
