import type { PostConfirmationEvent, StringMap } from '../events/index.js';
import { recipientName } from '../mail/recipient.js';
import { isSettled } from '../storage/claims.js';
import { putOnce, readItem } from '../storage/items.js';
import { keys } from '../storage/keys.js';
import type { OnboardingDependencies } from './dependencies.js';
import { runEffects } from './effects.js';
import { closeEntry, type EffectSpec, openEntry } from './outbox.js';

/** The steps of the user's `ONBOARDING` item: each attribute holds the time its effect was done. */
export const stepMarker = {
  welcome: 'welcomeSentAt',
  group: (group: string) => `group:${group}`,
};

/**
 * ConfirmSignUp. The profile is one conditional put (exactly one item, its own claim); its failure
 * fails the invocation. Beside it, the outbox entry of the effects (each default group, the welcome
 * mail: `./outbox.ts`), written once, so that what this invocation cannot finish the sweeper does.
 * Then each effect not settled yet, claimed on the `ONBOARDING` item before it runs: one membership
 * call per group and at most one mail, whatever the number of invocations.
 *
 * The invocation that creates the profile is the sign-up's first: nothing is settled yet, so it
 * reads nothing and starts its effects one round trip sooner. Any other (Cognito's retry, a
 * concurrent copy) reads the steps first, and deletes the entry if all of them are settled (its
 * own put may have written it again after the first invocation deleted it).
 */
export async function onboard(event: PostConfirmationEvent, userId: string, deps: OnboardingDependencies) {
  const item = { pk: keys.user(userId), sk: keys.onboarding() };
  const effects = effectsOf(event, deps);
  const [first, recorded] = await Promise.all([
    createProfile(userId, event.userName, event.request.userAttributes, deps.now()),
    effects.length > 0 ? openEntry(item, effects, deps.now()) : [],
  ]);
  if (recorded.length === 0) return;
  const state = first ? undefined : await readItem(item);
  const pending = recorded.filter((spec) => !isSettled(state, spec.step));
  if (pending.length > 0) await runEffects(item, pending, deps);
  else await closeEntry(item);
}

/** The effects of a sign-up, from what Cognito sent (the user's attributes, never client metadata). */
function effectsOf(event: PostConfirmationEvent, deps: OnboardingDependencies): EffectSpec[] {
  const attributes = event.request.userAttributes;
  const effects: EffectSpec[] = deps.settings.defaultGroups.map((group) => ({
    step: stepMarker.group(group) as `group:${string}`,
    type: 'group' as const,
    userPoolId: event.userPoolId,
    userName: event.userName,
    group,
  }));
  if (deps.settings.sendWelcomeMail && attributes.email) {
    effects.push({
      step: 'welcomeSentAt',
      type: 'mail',
      kind: 'welcome',
      to: attributes.email,
      ...(attributes.locale ? { locale: attributes.locale } : {}),
      values: { name: recipientName(attributes) ?? '' },
    });
  }
  return effects;
}

/** Profile attributes copied from Cognito; anything else stays in Cognito only. */
const PROFILE_ATTRIBUTES = ['email', 'phone_number', 'given_name', 'family_name', 'name', 'locale'];

/**
 * One profile item, however often Cognito retries: a put conditional on the item not existing.
 * True when this call created it.
 */
async function createProfile(userId: string, userName: string, attributes: StringMap, now: number) {
  const profile = Object.fromEntries(
    PROFILE_ATTRIBUTES.filter((name) => attributes[name]).map((name) => [name, attributes[name]]),
  );
  return putOnce({
    pk: keys.user(userId),
    sk: keys.profile(),
    userName,
    ...profile,
    createdAt: new Date(now).toISOString(),
  });
}
