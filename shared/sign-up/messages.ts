import { UserFacingError } from '../errors/index.js';

/**
 * Every message pre sign-up can show a user, by stable code. Apps map the code (or the message,
 * which Cognito prefixes with `PreSignUp failed with error `) to their own wording.
 */
export const signUpRejections = {
  SIGNUP_EMAIL_INVALID: 'Enter a valid email address.',
  SIGNUP_EMAIL_REQUIRED: 'An email address is required to sign up.',
  SIGNUP_DOMAIN_NOT_ALLOWED: 'Sign-up is not allowed for this email domain.',
  SIGNUP_DISPOSABLE_EMAIL: 'Disposable email addresses cannot be used to sign up.',
  SIGNUP_ATTRIBUTE_REQUIRED: 'A required attribute is missing.',
  SIGNUP_ATTRIBUTE_TOO_LONG: 'An attribute is too long.',
  SIGNUP_PHONE_INVALID: 'Enter the phone number in international format, e.g. +14155550100.',
  SIGNUP_ATTRIBUTE_NOT_ALLOWED: 'This sign-up sets an attribute that is not allowed.',
  SIGNUP_INVITE_REQUIRED: 'Sign-up needs an invitation code.',
  SIGNUP_INVITE_INVALID: 'This invitation code is not valid or has already been used.',
  SIGNUP_INVITE_WRONG_EMAIL: 'This invitation code was issued for another email address.',
  SIGNUP_INVITE_TOO_MANY_ATTEMPTS: 'Too many invitation codes tried. Please try again later.',
  SIGNUP_EXISTING_ACCOUNT:
    'An account with this email address or username already exists. Sign in with your existing password instead.',
  SIGNUP_TOO_MANY_ATTEMPTS: 'Too many sign-ups from your network or domain. Please try again later.',
  SIGNUP_ACCOUNT_LINKED: 'Your sign-in was linked to your existing account. Please sign in again.',
} as const;

export type SignUpRejectionCode = keyof typeof signUpRejections;

/** The user-facing error for `code`, with its documented message. */
export function rejectSignUp(code: SignUpRejectionCode): UserFacingError {
  return new UserFacingError(code, signUpRejections[code]);
}
