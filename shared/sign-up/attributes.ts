import type { StringMap } from '../events/index.js';
import { rejectSignUp } from './messages.js';
import type { SignUpSettings } from './settings.js';

/** E.164: a plus, a non-zero country digit, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{1,14}$/;

/** Attributes Cognito adds itself on some sources (e.g. `cognito:user_status` for federated users). */
const isCognitoOwned = (name: string) => name.startsWith('cognito:');

/**
 * Attribute rules: required attributes present and non-empty, `phone_number` in E.164, values
 * within their length limit, and (for self sign-ups, `checkCustom`) only allow-listed `custom:`
 * attributes: an administrator or an identity-provider mapping may set others.
 */
export function checkAttributes(
  attributes: StringMap,
  settings: Pick<
    SignUpSettings,
    'requiredAttributes' | 'maxAttributeLength' | 'attributeMaxLengths' | 'allowedCustomAttributes'
  >,
  checkCustom = true,
): void {
  for (const name of settings.requiredAttributes) {
    if (!attributes[name]?.trim()) throw rejectSignUp('SIGNUP_ATTRIBUTE_REQUIRED');
  }
  for (const [name, value] of Object.entries(attributes)) {
    if (isCognitoOwned(name)) continue;
    if (checkCustom && name.startsWith('custom:') && !settings.allowedCustomAttributes.includes(name)) {
      throw rejectSignUp('SIGNUP_ATTRIBUTE_NOT_ALLOWED');
    }
    const limit = settings.attributeMaxLengths[name] ?? settings.maxAttributeLength;
    if ([...value].length > limit) throw rejectSignUp('SIGNUP_ATTRIBUTE_TOO_LONG');
  }
  const phone = attributes.phone_number;
  if (phone !== undefined && phone !== '' && !E164.test(phone)) throw rejectSignUp('SIGNUP_PHONE_INVALID');
}
