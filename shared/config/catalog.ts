import { albSettingSpecs } from '../alb/settings.js';
import { authorizerSettingSpecs } from '../authorizer/settings.js';
import { consoleSettingSpecs } from '../console/settings.js';
import { customAuthSettingSpecs } from '../custom-auth/settings.js';
import { federationSettingSpecs } from '../federation/settings.js';
import { mailSettingSpecs } from '../mail/settings.js';
import { migrationSettingSpecs } from '../migration/settings.js';
import { onboardingSettingSpecs } from '../onboarding/settings.js';
import { riskSettingSpecs } from '../risk/settings.js';
import { senderSettingSpecs } from '../senders/settings.js';
import { signInSettingSpecs } from '../sign-in/settings.js';
import { signUpSettingSpecs } from '../sign-up/settings.js';
import { tokenSettingSpecs } from '../tokens/settings.js';
import { runtimeSettingSpecs } from './runtime.js';
import type { SettingSpecs } from './settings.js';

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
