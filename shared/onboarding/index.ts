import { AdminAddUserToGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PostConfirmationEvent, StringMap } from '../events/index.js';
import { logger } from '../logging/index.js';
import { sendTemplatedEmail } from '../mail/send.js';
import { type CognitoSender, cognitoClient } from '../sign-up/cognito.js';
import { keys, userKey } from '../storage/keys.js';
import { documentClient, tableName } from '../storage/table.js';
import { type OnboardingSettings, onboardingSettings } from './settings.js';

export { onboardingSettingSpecs } from './settings.js';

/**
 * Post confirmation.
 *
 * Guarantee: effectively-once per step. The steps of a confirmation (profile, each default
 * group, welcome mail) each leave a marker on the user's `ONBOARDING` item, written with a
 * conditional write once the step succeeded. An invocation reads the markers and runs only
 * the missing steps, so a retry after a crash or a failed step completes what is missing and
 * repeats nothing already recorded. The profile is a conditional put (exactly one item) and
 * adding a member to a group is idempotent in Cognito, so those two are exactly-once in
 * effect. The mail alone has a window: a crash after SES accepted the mail and before its
 * marker is written (one DynamoDB write) sends it again on the retry: at-least-once, never lost.
 */
export interface OnboardingDependencies {
  settings: OnboardingSettings;
  cognito: () => CognitoSender;
  now: () => number;
}

const defaults = (): OnboardingDependencies => ({
  settings: onboardingSettings(),
  cognito: cognitoClient,
  now: Date.now,
});

/** The markers of the ONBOARDING item: attribute name per step. */
export const stepMarker = {
  profile: 'profileCreatedAt',
  welcome: 'welcomeSentAt',
  group: (group: string) => `group:${group}`,
};

type Markers = Record<string, unknown>;

export async function postConfirmation(
  event: PostConfirmationEvent,
  deps: OnboardingDependencies = defaults(),
): Promise<PostConfirmationEvent> {
  const userId = userKey(event.request.userAttributes, event.userName);
  if (event.triggerSource === 'PostConfirmation_ConfirmSignUp') {
    await onboard(event, userId, deps);
  } else {
    await recordPasswordChange(event, userId, deps);
  }
  return event;
}

async function onboard(event: PostConfirmationEvent, userId: string, deps: OnboardingDependencies) {
  const markers = await readMarkers(userId);
  const attributes = event.request.userAttributes;

  // The profile comes first and is never skipped: without it the user has no records at all,
  // so its failure fails the invocation and Cognito's retry (or the user's) starts over.
  if (markers[stepMarker.profile] === undefined) {
    await createProfile(userId, event.userName, attributes, deps.now());
    await markStep(userId, stepMarker.profile, deps.now());
  }

  const pending: Array<[string, () => Promise<unknown>]> = [];
  for (const group of deps.settings.defaultGroups) {
    if (markers[stepMarker.group(group)] === undefined) {
      pending.push([stepMarker.group(group), () => addToGroup(event, group, deps.cognito)]);
    }
  }
  if (deps.settings.sendWelcomeMail && attributes.email && markers[stepMarker.welcome] === undefined) {
    pending.push([stepMarker.welcome, () => sendWelcome(attributes)]);
  }

  for (const [marker, run] of pending) {
    try {
      await run();
      await markStep(userId, marker, deps.now());
    } catch (error) {
      logger.warn('onboarding step failed; it runs again on the next invocation', {
        step: marker,
        error: (error as Error).name,
      });
      if (deps.settings.blockOnFailure) throw error;
    }
  }
}

async function readMarkers(userId: string): Promise<Markers> {
  const { Item } = await documentClient().send(
    new GetCommand({
      TableName: tableName(),
      Key: { pk: keys.user(userId), sk: keys.onboarding() },
      ConsistentRead: true,
    }),
  );
  return Item ?? {};
}

/** Marks a step done; the condition keeps the first completion time when two invocations overlap. */
async function markStep(userId: string, marker: string, now: number) {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: keys.user(userId), sk: keys.onboarding() },
        UpdateExpression: 'SET #marker = :now',
        ConditionExpression: 'attribute_not_exists(#marker)',
        ExpressionAttributeNames: { '#marker': marker },
        ExpressionAttributeValues: { ':now': new Date(now).toISOString() },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
}

/** Profile attributes copied from Cognito; anything else stays in Cognito only. */
const PROFILE_ATTRIBUTES = ['email', 'phone_number', 'given_name', 'family_name', 'name', 'locale'];

/** One profile item, however often Cognito retries: a put conditional on the item not existing. */
async function createProfile(userId: string, userName: string, attributes: StringMap, now: number) {
  const profile = Object.fromEntries(
    PROFILE_ATTRIBUTES.filter((name) => attributes[name]).map((name) => [name, attributes[name]]),
  );
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          pk: keys.user(userId),
          sk: keys.profile(),
          userName,
          ...profile,
          createdAt: new Date(now).toISOString(),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
}

async function addToGroup(event: PostConfirmationEvent, group: string, cognito: () => CognitoSender) {
  await cognito().send(
    new AdminAddUserToGroupCommand({
      UserPoolId: event.userPoolId,
      Username: event.userName,
      GroupName: group,
    }),
  );
}

async function sendWelcome(attributes: StringMap) {
  await sendTemplatedEmail({
    kind: 'welcome',
    to: attributes.email!,
    ...(attributes.locale ? { locale: attributes.locale } : {}),
    values: { name: attributes.given_name ?? attributes.name ?? '' },
  });
}

/**
 * ConfirmForgotPassword: a `SECURITY#<minute>#password-changed` item in the user's partition
 * (keyed by the minute, so a retry within that minute finds the same item), then the optional
 * notification mail, with the same marker discipline as onboarding: `notifiedAt` on the item
 * once sent, so a retry sends it only if no earlier invocation did. Best effort unless
 * `blockOnFailure`.
 */
async function recordPasswordChange(
  event: PostConfirmationEvent,
  userId: string,
  deps: OnboardingDependencies,
) {
  const at = new Date(deps.now());
  at.setUTCSeconds(0, 0);
  const time = at.toISOString();
  const key = { pk: keys.user(userId), sk: keys.securityEvent(time, 'password-changed') };
  const ip = event.request.clientMetadata?.ip;
  const { Attributes } = await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: key,
      UpdateExpression: `SET kind = if_not_exists(kind, :kind), #at = if_not_exists(#at, :at)${ip ? ', ip = if_not_exists(ip, :ip)' : ''}`,
      ExpressionAttributeNames: { '#at': 'at' },
      ExpressionAttributeValues: { ':kind': 'password-changed', ':at': time, ...(ip ? { ':ip': ip } : {}) },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const { email, locale, given_name } = event.request.userAttributes;
  if (Attributes?.notifiedAt !== undefined || !deps.settings.notifyPasswordChanged || !email) return;
  try {
    await sendTemplatedEmail({
      kind: 'password-changed',
      to: email,
      ...(locale ? { locale } : {}),
      values: { name: given_name ?? '', time },
    });
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression: 'SET notifiedAt = if_not_exists(notifiedAt, :now)',
        ExpressionAttributeValues: { ':now': new Date(deps.now()).toISOString() },
      }),
    );
  } catch (error) {
    logger.warn('password-changed mail failed; it is sent again on a retry within the minute', {
      error: (error as Error).name,
    });
    if (deps.settings.blockOnFailure) throw error;
  }
}
