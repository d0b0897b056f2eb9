const SIGN_IN_LOCKED = 'Too many sign-in attempts. Please try again later.';
/** Vague on purpose: it must not tell a stranger whether the account exists or why it is refused. */
const SIGN_IN_DENIED =
  'Sign-in is not possible with these details. Contact your administrator if this persists.';

/**
 * Every message a user (or an operator's tool) can be shown, by stable code: the one registry.
 * Apps map the code, or the message (Cognito prefixes it with `<Trigger> failed with error `), to
 * their own wording. A code listed here is part of the public contract; changing a message is a
 * visible change.
 */
export const userFacingMessages = {
  // Pre sign-up.
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
  // Sign-in (pre and post authentication): the lockout's words, and one vague refusal for the rest.
  SIGN_IN_LOCKED: SIGN_IN_LOCKED,
  SIGN_IN_USER_SUSPENDED: SIGN_IN_DENIED,
  SIGN_IN_TENANT_SUSPENDED: SIGN_IN_DENIED,
  SIGN_IN_CLIENT_NOT_ALLOWED: SIGN_IN_DENIED,
  SIGN_IN_RISK_BLOCKED: SIGN_IN_DENIED,
  // Migrate user.
  /** Unknown user and wrong password alike: nothing tells them apart. */
  MIGRATION_NOT_AUTHORIZED: 'Incorrect username or password.',
  MIGRATION_PASSWORD_BREACHED:
    'This password is too common or has appeared in a data breach. Reset your password to continue.',
  /** The same words as pre authentication's lockout, for known and unknown names alike. */
  MIGRATION_LOCKED: SIGN_IN_LOCKED,
  // Inbound federation.
  FEDERATION_NO_ATTRIBUTES:
    'Your identity provider sent no usable profile attributes. Please contact your administrator.',
  // Risk feedback (an operator's tool, not an end user).
  RISK_EVENT_WITHOUT_CONTEXT: 'The event names neither a device nor an IP address.',
  RISK_FEEDBACK_IN_FUTURE: 'The verdict time lies in the future.',
  RISK_EVENT_NOT_FOUND: (eventId: string) => `No event ${eventId} for this user.`,
} as const;

export type UserFacingCode = keyof typeof userFacingMessages;

/** What a message with details (`RISK_EVENT_NOT_FOUND`: the event id) needs to be written. */
export type MessageDetails<C extends UserFacingCode> = (typeof userFacingMessages)[C] extends (
  ...details: infer A extends string[]
) => string
  ? A
  : [];
