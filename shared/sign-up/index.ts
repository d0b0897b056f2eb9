import { type CognitoSender, cognitoClient } from '../aws/cognito.js';
import type { PreSignUpEvent } from '../events/index.js';
import { logger } from '../logging/index.js';
import type { LegacyAccountLookup } from '../migration/stores.js';
import { checkAttributes } from './attributes.js';
import { checkEmailDomain, domainInList, normalizeEmail, registrableDomain } from './domains.js';
import { decideFlags } from './flags.js';
import { inviteCodeOf, redeemInvite } from './invites.js';
import { legacyAccounts } from './legacy.js';
import { firstLinkRejection, linkFederatedUser } from './linking.js';
import { rejectSignUp } from './messages.js';
import { type SignUpSettings, signUpSettings } from './settings.js';
import { type ContextVerifier, signUpIpBucket, verifySignUpContext } from './source-ip.js';
import { exceedsAny } from './velocity.js';

export { signUpRejections } from './messages.js';
export { signUpSettingSpecs } from './settings.js';

export interface PreSignUpDependencies {
  settings: SignUpSettings;
  /** The Cognito client, asked for only when a federated identity may be linked. */
  cognito: () => CognitoSender;
  /** The legacy store, asked for only on a self sign-up while `checkLegacyUsers` is on. */
  legacy: () => LegacyAccountLookup;
  /** Which facts of the sign-up's context can be believed (the risk engine's own check). */
  verifyContext: ContextVerifier;
  now: () => number;
}

const defaults = (): PreSignUpDependencies => ({
  settings: signUpSettings(),
  cognito: cognitoClient,
  legacy: legacyAccounts,
  verifyContext: verifySignUpContext,
  now: Date.now,
});

/**
 * Pre sign-up, in an order that spends nothing on a sign-up a cheaper rule refuses: attribute
 * rules, domain rules, velocity counters, the legacy-user lookup (after the counters, so that
 * probing it is throttled), then the invite (consumed last, so a refused sign-up does not burn
 * it), then federated linking, then the flags.
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
  const domain = checkEmailDomain(userAttributes.email, settings);
  const email = domain ? normalizeEmail(userAttributes.email!) : undefined;

  if (selfSignUp) {
    const ip = await signUpIpBucket(event, deps.verifyContext, deps.now());
    await checkVelocity(ip, domain, deps);
    if (
      settings.checkLegacyUsers &&
      (await deps.legacy().awaitsMigration({ email, userName: event.userName }))
    ) {
      logger.info('self sign-up refused: the name belongs to a legacy user not migrated yet');
      throw rejectSignUp('SIGNUP_EXISTING_ACCOUNT');
    }
    if (settings.inviteOnly) {
      const code = inviteCodeOf(validationData, clientMetadata);
      if (!code) throw rejectSignUp('SIGNUP_INVITE_REQUIRED');
      await redeemInvite(
        { code, email: email ?? '', domain, userName: event.userName, ip },
        settings,
        deps.now(),
      );
    }
  }

  if (event.triggerSource === 'PreSignUp_ExternalProvider') {
    const outcome = await linkFederatedUser(event, settings, deps.cognito);
    if (outcome.linked) throw firstLinkRejection();
    if (outcome.reason !== 'disabled')
      logger.info('federated identity not linked', { reason: outcome.reason });
  }

  Object.assign(event.response, decideFlags(event, settings));
  return event;
}

/** Per-IP and per-registrable-domain sign-up limits, counted together in one round trip. */
async function checkVelocity(
  ip: string | undefined,
  domain: string | undefined,
  deps: PreSignUpDependencies,
) {
  const { maxSignUpsPerIp, maxSignUpsPerDomain, velocityExemptDomains, velocityWindowSeconds } =
    deps.settings;
  const limited = domain !== undefined && !domainInList(domain, velocityExemptDomains);
  const exceeded = await exceedsAny(
    [
      { scope: 'signup-ip', subject: ip, max: maxSignUpsPerIp },
      {
        scope: 'signup-domain',
        subject: limited ? registrableDomain(domain) : undefined,
        max: maxSignUpsPerDomain,
      },
    ],
    velocityWindowSeconds,
    deps.now(),
  );
  if (exceeded) throw rejectSignUp('SIGNUP_TOO_MANY_ATTEMPTS');
}
