import type { StringMap } from '../events/index.js';
import { rejectSignUp } from './messages.js';
import type { SignUpSettings } from './settings.js';

/** E.164: a plus, a non-zero country digit, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{1,14}$/;

/** Attributes Cognito adds itself on some sources (e.g. `cognito:user_status` for federated users). */
const isCognitoOwned = (name: string) => name.startsWith('cognito:');

/**
 * `map[key]` when the map itself holds the key: a user-chosen name such as `constructor` or
 * `__proto__` must not find what every object inherits.
 */
function ownValue<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Which rules apply to a sign-up's source. */
export interface AttributeRuleScope {
  /** Only allow-listed `custom:` attributes (self sign-ups: an administrator or a provider mapping may set others). */
  customAllowList: boolean;
  /** Length limits (not for federated users: inbound federation bounds what a provider sends). */
  lengthLimits: boolean;
}

const everyRule: AttributeRuleScope = { customAllowList: true, lengthLimits: true };

/**
 * Attribute rules: required attributes present and non-empty, `phone_number` in E.164, and,
 * as `scope` says, values within their length limit and only allow-listed `custom:` attributes.
 */
export function checkAttributes(
  attributes: StringMap,
  settings: Pick<
    SignUpSettings,
    'requiredAttributes' | 'maxAttributeLength' | 'attributeMaxLengths' | 'allowedCustomAttributes'
  >,
  scope: AttributeRuleScope = everyRule,
): void {
  for (const name of settings.requiredAttributes) {
    if (!ownValue(attributes, name)?.trim()) throw rejectSignUp('SIGNUP_ATTRIBUTE_REQUIRED');
  }
  for (const [name, value] of Object.entries(attributes)) {
    if (isCognitoOwned(name)) continue;
    if (
      scope.customAllowList &&
      name.startsWith('custom:') &&
      !settings.allowedCustomAttributes.includes(name)
    ) {
      throw rejectSignUp('SIGNUP_ATTRIBUTE_NOT_ALLOWED');
    }
    const limit = ownValue(settings.attributeMaxLengths, name) ?? settings.maxAttributeLength;
    if (scope.lengthLimits && [...value].length > limit) throw rejectSignUp('SIGNUP_ATTRIBUTE_TOO_LONG');
  }
  const phone = ownValue(attributes, 'phone_number');
  if (phone !== undefined && phone !== '' && !E164.test(phone)) throw rejectSignUp('SIGNUP_PHONE_INVALID');
}
