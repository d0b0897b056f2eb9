import type { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, isExpired, tableName } from './table.js';

/**
 * The table's generic item helpers (read one item, write one only if absent, tell a lost
 * conditional write apart) and the shapes of the items more than one concern reads. Every feature
 * uses these rather than borrowing another feature's copy.
 */

/** The primary key of every item of the single table. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/**
 * The fields of a user's PROFILE item (pk `USER#<id>`, sk `PROFILE`) that sign-in, tokens,
 * custom auth and the console read. Onboarding writes more.
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

/** The risk engine's latest assessment of a user (`keys.riskAssessment()`), as pre token generation reads it. */
export interface LatestAssessmentRecord {
  level?: string;
}

/** Reads one item, treating an expired one as absent (eventually consistent: a cheap read). */
export async function getItem<T>(pk: string, sk: string): Promise<T | undefined> {
  const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: { pk, sk } }));
  return Item && !isExpired(Item) ? (Item as T) : undefined;
}

/**
 * Writes `item` only if no item with its key exists: an effect that is one item claims itself.
 * True when this call wrote it.
 */
export async function putOnce(item: ItemKey & Record<string, unknown>): Promise<boolean> {
  return conditionalWrite(
    documentClient().send(
      new PutCommand({ TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    ),
  );
}

/** The item with its steps, read strongly consistent: a stale read would repeat an effect. */
export async function readItem(item: ItemKey): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tableName(), Key: item, ConsistentRead: true }),
  );
  return Item;
}

/**
 * Awaits a conditional write: true when it was written, false when its condition did not hold
 * (a retry or a concurrent invocation got there first: the expected outcome, not a fault). Any
 * other failure throws. The one place that tells the two apart.
 */
export async function conditionalWrite(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionalFailure(error)) return false;
    throw error;
  }
}

const CONDITIONAL_CHECK_FAILED: ConditionalCheckFailedException['name'] = 'ConditionalCheckFailedException';

/**
 * True when a write failed only because its condition did not hold: the item was already there
 * (a retry, a concurrent invocation) or another writer got there first. Anything else is a fault.
 */
export function isConditionalFailure(error: unknown): boolean {
  // By the name the SDK gives its instances (a string literal: a minified bundle renames the class,
  // so never the class's own `.name`), so that an error from another copy of the SDK counts too.
  return error instanceof Error && error.name === CONDITIONAL_CHECK_FAILED;
}

/** A list attribute that may arrive as a DynamoDB list or string set. */
export function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (value instanceof Set) return [...value].filter((v): v is string => typeof v === 'string');
  return [];
}
