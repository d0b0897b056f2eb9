import {
  AdminLinkProviderForUserCommand,
  ListUsersCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { CognitoSender } from '../aws/cognito.js';
import type { PreSignUpEvent } from '../events/index.js';
import { logger } from '../logging/index.js';
import { normalizeEmail } from './domains.js';
import { rejectSignUp } from './messages.js';
import type { SignUpSettings } from './settings.js';

/** Cognito's built-in social providers, whose names userName may carry in another case. */
const SOCIAL_PROVIDERS = ['Google', 'Facebook', 'LoginWithAmazon', 'SignInWithApple'];

/** `Google_1234` → `{ providerName: 'Google', subject: '1234' }`: the federated userName's parts. */
export function federatedIdentity(userName: string): { providerName: string; subject: string } | undefined {
  const separator = userName.indexOf('_');
  if (separator <= 0 || separator === userName.length - 1) return undefined;
  const prefix = userName.slice(0, separator);
  const social = SOCIAL_PROVIDERS.find((name) => name.toLowerCase() === prefix.toLowerCase());
  return { providerName: social ?? prefix, subject: userName.slice(separator + 1) };
}

export type LinkOutcome =
  | { linked: true; destination: string }
  | {
      linked: false;
      reason: 'disabled' | 'email-unverified' | 'no-native-user' | 'ambiguous' | 'bad-username';
    };

const attribute = (user: UserType, name: string) => user.Attributes?.find((a) => a.Name === name)?.Value;

/**
 * Whether the provider vouches for the address: it says `email_verified` = true, or it says
 * nothing at all and is listed as trusted. Any other value it sends (`"false"`, `"False"`, `"0"`,
 * a boolean false) refuses, listed or not: trust fills a silence, it never overrides a no.
 */
export function providerVouchesForEmail(emailVerified: unknown, listedAsTrusted: boolean): boolean {
  if (emailVerified === undefined || emailVerified === null) return listedAsTrusted;
  return String(emailVerified).trim().toLowerCase() === 'true';
}

/**
 * Federated linking on `PreSignUp_ExternalProvider`: when exactly one native user has the same
 * email and both sides vouch for it (the native user's `email_verified` is true and the
 * provider says `email_verified` or is listed as trusted), the provider identity is linked to
 * that user. Linking to an unverified address would let whoever registered it first take over
 * the account, so anything less is not linked.
 */
export async function linkFederatedUser(
  event: PreSignUpEvent,
  settings: Pick<SignUpSettings, 'linkFederatedUsers' | 'linkTrustedProviders'>,
  cognito: () => CognitoSender,
): Promise<LinkOutcome> {
  if (!settings.linkFederatedUsers) return { linked: false, reason: 'disabled' };
  const identity = federatedIdentity(event.userName);
  if (!identity) return { linked: false, reason: 'bad-username' };
  const attributes = event.request.userAttributes;
  const email = attributes.email ? normalizeEmail(attributes.email) : '';
  const providerVouches = providerVouchesForEmail(
    attributes.email_verified,
    settings.linkTrustedProviders.includes(identity.providerName),
  );
  // A quote or backslash would break out of the ListUsers filter string: never search with one.
  if (!email || !providerVouches || /["\\]/.test(email)) return { linked: false, reason: 'email-unverified' };

  const { Users = [] } = await cognito().send(
    new ListUsersCommand({ UserPoolId: event.userPoolId, Filter: `email = "${email}"`, Limit: 10 }),
  );
  const candidates = Users.filter(
    (user) => user.UserStatus !== 'EXTERNAL_PROVIDER' && attribute(user, 'email_verified') === 'true',
  );
  if (candidates.length === 0) return { linked: false, reason: 'no-native-user' };
  if (candidates.length > 1) return { linked: false, reason: 'ambiguous' };
  const destination = candidates[0]!.Username!;

  await cognito().send(
    new AdminLinkProviderForUserCommand({
      UserPoolId: event.userPoolId,
      DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: destination },
      SourceUser: {
        ProviderName: identity.providerName,
        ProviderAttributeName: 'Cognito_Subject',
        ProviderAttributeValue: identity.subject,
      },
    }),
  );
  logger.info('federated identity linked', { provider: identity.providerName });
  return { linked: true, destination };
}

/**
 * After a link, Cognito still tries to create the federated user and fails this first sign-in
 * with "Already found an entry for username ...". We fail it ourselves, with a stable message
 * that tells the user to sign in again; the second sign-in lands on the linked native user.
 */
export function firstLinkRejection() {
  return rejectSignUp('SIGNUP_ACCOUNT_LINKED');
}
