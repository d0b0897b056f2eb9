import { rejection, type UserFacingCode, type UserFacingError, userFacingMessages } from '../errors/index.js';

/** The codes pre sign-up can answer with (their messages live in the registry in shared/errors). */
export type SignUpRejectionCode = Extract<UserFacingCode, `SIGNUP_${string}`>;

/** Every message pre sign-up can show a user, by stable code. */
export const signUpRejections = Object.fromEntries(
  Object.entries(userFacingMessages).filter(([code]) => code.startsWith('SIGNUP_')),
) as Record<SignUpRejectionCode, string>;

/** The user-facing error for `code`, with its registered message. */
export function rejectSignUp(code: SignUpRejectionCode): UserFacingError {
  return rejection(code);
}
