import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { cognitoClient } from '../aws/cognito.js';
import { invocationDeadline } from '../aws/deadline.js';
import type { PostConfirmationEvent } from '../events/index.js';
import { isConditionalFailure } from '../storage/items.js';
import { keys, userKey, userNameId } from '../storage/keys.js';
import { documentClient, tableName } from '../storage/table.js';
import type { OnboardingDependencies } from './dependencies.js';
import { recordPasswordReset } from './password-reset.js';
import { onboardingSettings } from './settings.js';
import { onboard } from './sign-up.js';

export type { OnboardingDependencies } from './dependencies.js';
export { onboardingSettingSpecs } from './settings.js';
export { stepMarker } from './sign-up.js';
export { parseSweepEvent, type SweepReport, sweepOutbox } from './sweeper.js';

/** Cognito waits this long for a trigger: the deadline outside an invocation (tests, scripts). */
const COGNITO_BUDGET_MS = 5_000;
/** The onboarding sweeper's own budget outside an invocation (serverless.yml gives it 60 s). */
const SWEEPER_BUDGET_MS = 50_000;

/**
 * The production dependencies; `overrides` for tests. The deadline is the invocation's
 * (`shared/aws/deadline.ts`): claims lease until it, and the calls it cuts are the same calls.
 */
export function onboardingDependencies(
  overrides: Partial<OnboardingDependencies> = {},
): OnboardingDependencies {
  return {
    settings: onboardingSettings(),
    cognito: cognitoClient,
    now: Date.now,
    deadline: invocationDeadline() ?? Date.now() + COGNITO_BUDGET_MS,
    ...overrides,
  };
}

/** The sweeper's dependencies: as post confirmation's, with its own (longer) deadline. */
export function sweeperDependencies(overrides: Partial<OnboardingDependencies> = {}): OnboardingDependencies {
  return onboardingDependencies({
    deadline: invocationDeadline() ?? Date.now() + SWEEPER_BUDGET_MS,
    ...overrides,
  });
}

/**
 * Post confirmation. ConfirmSignUp: the profile, the default groups and the welcome mail, each
 * once however many invocations of the event run, concurrently or retried (`./sign-up.ts`).
 * ConfirmForgotPassword: the compromised-credential flag cleared, each reset recorded and
 * notified once (`./password-reset.ts`).
 */
export async function postConfirmation(
  event: PostConfirmationEvent,
  deps: OnboardingDependencies = onboardingDependencies(),
): Promise<PostConfirmationEvent> {
  const userId = userKey(event.request.userAttributes, event.userName);
  if (event.triggerSource === 'PostConfirmation_ConfirmSignUp') {
    await onboard(event, userId, deps);
  } else {
    await clearCompromisedFlag(userId, event.userName);
    await recordPasswordReset(event, userId, deps);
  }
  return event;
}

/**
 * A new password ends what a breached one meant: the risk engine's compromised-credential
 * signal would otherwise keep scoring (and, in enforce mode, blocking) the user for good. The
 * flag may stand on the `sub` profile and, for a migrated user, on its userName's one
 * (`userNameId`: migration runs before Cognito assigns a sub). Never creates a profile.
 */
async function clearCompromisedFlag(userId: string, userName: string) {
  const owners = [...new Set([userId, userNameId(userName)])];
  await Promise.all(
    owners.map((owner) =>
      documentClient()
        .send(
          new UpdateCommand({
            TableName: tableName(),
            Key: { pk: keys.user(owner), sk: keys.profile() },
            UpdateExpression: 'REMOVE compromisedCredentials',
            ConditionExpression: 'attribute_exists(compromisedCredentials)',
          }),
        )
        .catch((error: unknown) => {
          if (!isConditionalFailure(error)) throw error;
        }),
    ),
  );
}
