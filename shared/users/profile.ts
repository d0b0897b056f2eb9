import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getItem, type TenantRecord, type UserProfile } from '../storage/items.js';
import { keys } from '../storage/keys.js';
import { documentClient, tableName } from '../storage/table.js';

/** A user's profile (the PROFILE item), if any. */
export function readProfile(userId: string): Promise<UserProfile | undefined> {
  return getItem<UserProfile>(keys.user(userId), keys.profile());
}

/** A tenant's item, if any. */
export function readTenant(tenantId: string): Promise<TenantRecord | undefined> {
  return getItem<TenantRecord>(keys.tenant(tenantId), keys.item());
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
