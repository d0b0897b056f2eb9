import { AdminAddUserToGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { CognitoSender } from '../aws/cognito.js';
import type { PostConfirmationEvent, StringMap } from '../events/index.js';
import { sendTemplatedEmail } from '../mail/send.js';
import { isDone, putOnce, readItem } from '../storage/claims.js';
import { keys } from '../storage/keys.js';
import type { OnboardingDependencies } from './dependencies.js';
import { type Effect, runEffects } from './effects.js';

/** The steps of the user's `ONBOARDING` item: each attribute holds the time its effect was done. */
export const stepMarker = {
  welcome: 'welcomeSentAt',
  group: (group: string) => `group:${group}`,
};

/**
 * ConfirmSignUp. The profile is one conditional put (exactly one item, its own claim); it comes
 * first and its failure fails the invocation, since without it the user has no records at all.
 * Then each default group and the welcome mail, each claimed on the `ONBOARDING` item before it
 * runs: one membership call per group and one mail, whatever the number of invocations.
 */
export async function onboard(event: PostConfirmationEvent, userId: string, deps: OnboardingDependencies) {
  const item = { pk: keys.user(userId), sk: keys.onboarding() };
  const state = await readItem(item);
  await createProfile(userId, event.userName, event.request.userAttributes, deps.now());
  const effects = effectsOf(event, deps).filter(([step]) => !isDone(state, step));
  if (effects.length > 0) await runEffects(item, effects, deps);
}

function effectsOf(event: PostConfirmationEvent, deps: OnboardingDependencies): Effect[] {
  const attributes = event.request.userAttributes;
  const effects: Effect[] = deps.settings.defaultGroups.map((group) => [
    stepMarker.group(group),
    (signal) => addToGroup(event, group, deps.cognito, signal),
  ]);
  if (deps.settings.sendWelcomeMail && attributes.email) {
    effects.push([stepMarker.welcome, (signal) => sendWelcome(attributes, signal)]);
  }
  return effects;
}

/** Profile attributes copied from Cognito; anything else stays in Cognito only. */
const PROFILE_ATTRIBUTES = ['email', 'phone_number', 'given_name', 'family_name', 'name', 'locale'];

/** One profile item, however often Cognito retries: a put conditional on the item not existing. */
async function createProfile(userId: string, userName: string, attributes: StringMap, now: number) {
  const profile = Object.fromEntries(
    PROFILE_ATTRIBUTES.filter((name) => attributes[name]).map((name) => [name, attributes[name]]),
  );
  await putOnce({
    pk: keys.user(userId),
    sk: keys.profile(),
    userName,
    ...profile,
    createdAt: new Date(now).toISOString(),
  });
}

async function addToGroup(
  event: PostConfirmationEvent,
  group: string,
  cognito: () => CognitoSender,
  signal: AbortSignal,
) {
  await cognito().send(
    new AdminAddUserToGroupCommand({
      UserPoolId: event.userPoolId,
      Username: event.userName,
      GroupName: group,
    }),
    { abortSignal: signal },
  );
}

async function sendWelcome(attributes: StringMap, signal: AbortSignal) {
  await sendTemplatedEmail({
    kind: 'welcome',
    to: attributes.email!,
    ...(attributes.locale ? { locale: attributes.locale } : {}),
    values: { name: attributes.given_name ?? attributes.name ?? '' },
    signal,
  });
}
