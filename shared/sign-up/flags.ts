import type { PreSignUpEvent, PreSignUpResponse } from '../events/index.js';
import { domainInList } from './domains.js';
import type { SignUpSettings } from './settings.js';

const present = (value: string | undefined) => value !== undefined && value.trim() !== '';

/**
 * The auto-confirm / auto-verify flags, by Cognito's rules:
 * - `PreSignUp_AdminCreateUser`: Cognito ignores all three, so none is set;
 * - a verify flag is never set without a non-empty attribute to verify (Cognito fails the
 *   sign-up otherwise);
 * - self sign-ups from a trusted domain: confirmed, email verified;
 * - federated users (when enabled): confirmed; email / phone verified only when the provider
 *   says it verified them.
 */
export function decideFlags(
  event: PreSignUpEvent,
  emailDomain: string | undefined,
  settings: Pick<SignUpSettings, 'trustedDomains' | 'autoConfirmFederated'>,
): PreSignUpResponse {
  const attributes = event.request.userAttributes;
  const none = { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false };
  switch (event.triggerSource) {
    case 'PreSignUp_AdminCreateUser':
      return none;
    case 'PreSignUp_SignUp': {
      const trusted = emailDomain !== undefined && domainInList(emailDomain, settings.trustedDomains);
      if (!trusted) return none;
      return { autoConfirmUser: true, autoVerifyEmail: present(attributes.email), autoVerifyPhone: false };
    }
    case 'PreSignUp_ExternalProvider': {
      if (!settings.autoConfirmFederated) return none;
      return {
        autoConfirmUser: true,
        autoVerifyEmail: present(attributes.email) && attributes.email_verified === 'true',
        autoVerifyPhone: present(attributes.phone_number) && attributes.phone_number_verified === 'true',
      };
    }
  }
}
