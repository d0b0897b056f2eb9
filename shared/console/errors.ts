/**
 * A deliberate answer of the console API: an HTTP status, a stable code and a message the
 * operator may read. Anything else becomes a 500 with a generic message (and is logged).
 */
export class ConsoleError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConsoleError';
    this.status = status;
    this.code = code;
  }
}
