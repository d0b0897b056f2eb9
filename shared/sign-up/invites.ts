import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../storage/keys.js';
import { documentClient, isExpired, nowSeconds, tableName } from '../storage/table.js';
import { domainMatches } from './domains.js';
import { rejectSignUp } from './messages.js';

/**
 * An invitation: `INVITE#<code>` / `ITEM`. Optionally bound to one address (`email`) or to a
 * domain pattern (`domain`, wildcards allowed). `expiresAt` (epoch seconds) is required so that
 * forgotten invites die; `consumedAt`/`consumedBy` are set by the one sign-up that used it.
 */
export interface Invite {
  code: string;
  email?: string;
  domain?: string;
  expiresAt: number;
  consumedAt?: number;
  consumedBy?: string;
}

/** The invite code an app passes, in validationData first, then clientMetadata. */
export function inviteCodeOf(
  validationData: Record<string, string> | null | undefined,
  clientMetadata: Record<string, string> | undefined,
): string | undefined {
  const code = (validationData?.inviteCode ?? clientMetadata?.inviteCode)?.trim();
  return code ? code : undefined;
}

/** Stores a new invite (for admin tooling, tests and the demo); fails if the code exists. */
export async function createInvite(invite: Omit<Invite, 'consumedAt' | 'consumedBy'>): Promise<void> {
  const { code, ...rest } = invite;
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: keys.invite(code), sk: keys.item() },
      UpdateExpression: 'SET #expiresAt = :expiresAt, #email = :email, #domain = :domain, #createdAt = :now',
      ConditionExpression: 'attribute_not_exists(pk)',
      ExpressionAttributeNames: {
        '#expiresAt': 'expiresAt',
        '#email': 'email',
        '#domain': 'domain',
        '#createdAt': 'createdAt',
      },
      ExpressionAttributeValues: {
        ':expiresAt': rest.expiresAt,
        ':email': rest.email?.toLowerCase() ?? null,
        ':domain': rest.domain?.toLowerCase() ?? null,
        ':now': nowSeconds(),
      },
    }),
  );
}

/**
 * Checks the invite and consumes it with one conditional write: of two sign-ups racing with one
 * code, exactly one passes the condition; the other is refused as if the code were used.
 */
export async function consumeInvite(code: string, email: string, userName: string, now = Date.now()) {
  const key = { pk: keys.invite(code), sk: keys.item() };
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }),
  );
  const invite = Item as Invite | undefined;
  if (!invite || invite.consumedAt !== undefined || isExpired(invite, now)) {
    throw rejectSignUp('SIGNUP_INVITE_INVALID');
  }
  if (!inviteFits(invite, email)) throw rejectSignUp('SIGNUP_INVITE_WRONG_EMAIL');
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression: 'SET consumedAt = :now, consumedBy = :user',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(consumedAt) AND expiresAt > :now',
        ExpressionAttributeValues: { ':now': nowSeconds(now), ':user': userName },
      }),
    );
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException')
      throw rejectSignUp('SIGNUP_INVITE_INVALID');
    throw error;
  }
}

function inviteFits(invite: Invite, email: string): boolean {
  if (invite.email) return invite.email === email;
  if (invite.domain) {
    const domain = email.slice(email.lastIndexOf('@') + 1);
    return domainMatches(domain, invite.domain);
  }
  return true;
}
