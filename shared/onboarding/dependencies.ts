import type { CognitoSender } from '../aws/cognito.js';
import type { OnboardingSettings } from './settings.js';

/** What post confirmation needs from outside; tests pass their own. */
export interface OnboardingDependencies {
  settings: OnboardingSettings;
  cognito: () => CognitoSender;
  /** The clock of recorded times (profile, security events, the reset retry window). */
  now: () => number;
  /**
   * Epoch ms (wall clock) at which this invocation ends: claims lease until it, and every call
   * and wait stops before it.
   */
  deadline: number;
}
