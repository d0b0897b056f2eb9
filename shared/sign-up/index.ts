import type { PreSignUpEvent } from '../events/index.js';
import { logger } from '../logging/index.js';
import { checkAttributes } from './attributes.js';
import { type CognitoSender, cognitoClient } from './cognito.js';
import { checkEmailDomain, domainInList } from './domains.js';
import { decideFlags } from './flags.js';
import { consumeInvite, inviteCodeOf } from './invites.js';
import { firstLinkRejection, linkFederatedUser } from './linking.js';
import { rejectSignUp } from './messages.js';
import { type SignUpSettings, signUpSettings } from './settings.js';
import { countInWindow } from './velocity.js';

export { signUpRejections } from './messages.js';
export { signUpSettingSpecs } from './settings.js';

export interface PreSignUpDependencies {
  settings: SignUpSettings;
  /** The Cognito client, asked for only when a federated identity may be linked. */
  cognito: () => CognitoSender;
  now: () => number;
}

const defaults = (): PreSignUpDependencies => ({
  settings: signUpSettings(),
  cognito: cognitoClient,
  now: Date.now,
});

/**
 * Pre sign-up, in an order that spends nothing on a sign-up a cheaper rule refuses: attribute
 * rules, domain rules, velocity counters, then the invite (consumed last, so a refused sign-up
 * does not burn it), then federated linking, then the flags.
 */
export async function preSignUp(
  event: PreSignUpEvent,
  deps: PreSignUpDependencies = defaults(),
): Promise<PreSignUpEvent> {
  const { settings } = deps;
  const { userAttributes, validationData, clientMetadata } = event.request;
  const selfSignUp = event.triggerSource === 'PreSignUp_SignUp';

  checkAttributes(userAttributes, settings, {
    customAllowList: selfSignUp,
    lengthLimits: event.triggerSource !== 'PreSignUp_ExternalProvider',
  });
  const email = userAttributes.email?.trim().toLowerCase();
  const domain = email ? checkEmailDomain(email, settings) : undefined;

  if (selfSignUp) {
    await checkVelocity(validationData?.ip ?? clientMetadata?.ip, domain, deps);
    if (settings.inviteOnly) {
      const code = inviteCodeOf(validationData, clientMetadata);
      if (!code) throw rejectSignUp('SIGNUP_INVITE_REQUIRED');
      await consumeInvite(code, email ?? '', event.userName, deps.now());
    }
  }

  if (event.triggerSource === 'PreSignUp_ExternalProvider') {
    const outcome = await linkFederatedUser(event, settings, deps.cognito);
    if (outcome.linked) throw firstLinkRejection();
    if (outcome.reason !== 'disabled')
      logger.info('federated identity not linked', { reason: outcome.reason });
  }

  Object.assign(event.response, decideFlags(event, domain, settings));
  return event;
}

async function checkVelocity(
  ip: string | undefined,
  domain: string | undefined,
  deps: PreSignUpDependencies,
) {
  const { maxSignUpsPerIp, maxSignUpsPerDomain, velocityExemptDomains, velocityWindowSeconds } =
    deps.settings;
  const now = deps.now();
  if (ip && maxSignUpsPerIp > 0) {
    const attempts = await countInWindow('signup-ip', ip, velocityWindowSeconds, now);
    if (attempts > maxSignUpsPerIp) throw rejectSignUp('SIGNUP_TOO_MANY_ATTEMPTS');
  }
  if (domain && maxSignUpsPerDomain > 0 && !domainInList(domain, velocityExemptDomains)) {
    const attempts = await countInWindow('signup-domain', domain, velocityWindowSeconds, now);
    if (attempts > maxSignUpsPerDomain) throw rejectSignUp('SIGNUP_TOO_MANY_ATTEMPTS');
  }
}
