import { albSettingSpecs } from '../shared/alb/settings.js';
import { authorizerSettingSpecs } from '../shared/authorizer/settings.js';
import { runtimeSettingSpecs } from '../shared/config/runtime.js';
import type { SettingSpecs } from '../shared/config/settings.js';
import { consoleSettingSpecs } from '../shared/console/settings.js';
import { customAuthSettingSpecs } from '../shared/custom-auth/settings.js';
import { federationSettingSpecs } from '../shared/federation/settings.js';
import { mailSettingSpecs } from '../shared/mail/settings.js';
import { migrationSettingSpecs } from '../shared/migration/settings.js';
import { onboardingSettingSpecs } from '../shared/onboarding/settings.js';
import { riskSettingSpecs } from '../shared/risk/settings.js';
import { senderSettingSpecs } from '../shared/senders/settings.js';
import { signInSettingSpecs } from '../shared/sign-in/settings.js';
import { signUpSettingSpecs } from '../shared/sign-up/settings.js';
import { tokenSettingSpecs } from '../shared/tokens/settings.js';

/**
 * Every group of settings Gatehouse reads, by the section of the README that documents it.
 * A test checks that the README's settings table names each one.
 */
export const settingCatalog: Record<string, SettingSpecs> = {
  runtime: runtimeSettingSpecs,
  mail: mailSettingSpecs,
  risk: riskSettingSpecs,
  senders: senderSettingSpecs,
  signIn: signInSettingSpecs,
  tokens: tokenSettingSpecs,
  customAuth: customAuthSettingSpecs,
  authorizer: authorizerSettingSpecs,
  alb: albSettingSpecs,
  signUp: signUpSettingSpecs,
  onboarding: onboardingSettingSpecs,
  migration: migrationSettingSpecs,
  federation: federationSettingSpecs,
  console: consoleSettingSpecs,
};
