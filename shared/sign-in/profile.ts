import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../storage/keys.js';
import { documentClient, isExpired, tableName } from '../storage/table.js';

/**
 * The fields of a user's PROFILE item (pk `USER#<id>`, sk `PROFILE`) that sign-in and tokens
 * read. Other concerns write more; these are the ones this concern relies on.
 */
export interface UserProfile {
  /** A suspended user cannot sign in. */
  suspended?: boolean;
  tenantId?: string;
  /** Groups as the profile store knows them (pre authentication has no Cognito groups). */
  groups?: string[];
  /** Roles granted directly, beyond those of the user's groups. */
  roles?: string[];
  lastSignInAt?: number;
  /** Set by an admin or by migration's breached-password check; a new password clears it. */
  compromisedCredentials?: boolean;
  /** When and by whom the suspension was last changed (epoch milliseconds, an operator's name). */
  suspendedAt?: number;
  suspendedBy?: string;
}

/** The TENANT#<id> item (sk ITEM): a suspended tenant's users cannot sign in. */
export interface TenantRecord {
  suspended?: boolean;
}

/** Reads one item, treating an expired one as absent. */
export async function getItem<T>(pk: string, sk: string): Promise<T | undefined> {
  const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: { pk, sk } }));
  return Item && !isExpired(Item) ? (Item as T) : undefined;
}

export function readProfile(userId: string): Promise<UserProfile | undefined> {
  return getItem<UserProfile>(keys.user(userId), keys.profile());
}

/**
 * Suspends or reinstates a user (post authentication refuses a suspended one, once the password is proven). Writes only the
 * suspension fields, so the rest of the profile, or its absence for sign-up to create, stays.
 */
export async function setSuspended(userId: string, suspended: boolean, by: string, now = Date.now()) {
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: keys.user(userId), sk: keys.profile() },
      UpdateExpression: 'SET suspended = :suspended, suspendedAt = :now, suspendedBy = :by',
      ExpressionAttributeValues: { ':suspended': suspended, ':now': now, ':by': by },
    }),
  );
}

export function readTenant(tenantId: string): Promise<TenantRecord | undefined> {
  return getItem<TenantRecord>(keys.tenant(tenantId), keys.item());
}

/** A list attribute that may arrive as a DynamoDB list or string set. */
export function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (value instanceof Set) return [...value].filter((v): v is string => typeof v === 'string');
  return [];
}
