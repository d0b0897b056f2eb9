import type { PreSignUpEvent, PreSignUpResponse } from '../events/index.js';
import type { SignUpSettings } from './settings.js';

const present = (value: string | undefined) => value !== undefined && value.trim() !== '';

/**
 * The auto-confirm / auto-verify flags, by Cognito's rules:
 * - `PreSignUp_AdminCreateUser`: Cognito ignores all three, so none is set;
 * - `PreSignUp_SignUp`: none, whatever the domain: whoever signs up has proven nothing yet, and
 *   a verified address is what linking and recovery trust, so it is verified by its code only;
 * - federated users (when enabled): confirmed; email / phone verified only when the provider
 *   says it verified them, and never without a non-empty attribute (Cognito fails the sign-up).
 */
export function decideFlags(
  event: PreSignUpEvent,
  settings: Pick<SignUpSettings, 'autoConfirmFederated'>,
): PreSignUpResponse {
  const attributes = event.request.userAttributes;
  const none = { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false };
  if (event.triggerSource !== 'PreSignUp_ExternalProvider' || !settings.autoConfirmFederated) return none;
  return {
    autoConfirmUser: true,
    autoVerifyEmail: present(attributes.email) && attributes.email_verified === 'true',
    autoVerifyPhone: present(attributes.phone_number) && attributes.phone_number_verified === 'true',
  };
}
