import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { logger } from '../logging/index.js';
import { keys } from '../storage/keys.js';
import { documentClient, isExpired, nowSeconds, tableName } from '../storage/table.js';

/** The operator, as the authorizer vouched for them (API Gateway's request context). */
export interface Operator {
  sub: string;
  username: string;
}

export type ConsoleAction =
  | 'unlock'
  | 'suspend'
  | 'reinstate'
  | 'sign-out'
  | 'feedback-valid'
  | 'feedback-invalid';

/** One audit record (`AUDIT#<user id>` / `ACTION#<iso>#<id>`). */
export interface AuditRecord {
  id: string;
  /** Epoch milliseconds. */
  at: number;
  action: ConsoleAction;
  operatorSub: string;
  operatorName: string;
  /** `started` until the action ends: a record left `started` is an action that did not finish. */
  status: 'started' | 'done' | 'failed';
  /** What the action touched or why it failed (no personal data beyond the target's ids). */
  detail?: Record<string, unknown>;
}

const DAY_SECONDS = 86_400;

/**
 * Runs an operator action between two audit writes: the record is claimed (`started`) before the
 * action runs, so no action happens unrecorded, and completed with its outcome after. Both are
 * also logged as `console action` lines.
 */
export async function audited<T extends Record<string, unknown> | undefined>(
  target: string,
  operator: Operator,
  action: ConsoleAction,
  auditDays: number,
  run: () => Promise<T>,
  now = Date.now(),
): Promise<T> {
  const id = randomUUID();
  const key = { pk: keys.audit(target), sk: keys.auditAction(new Date(now).toISOString(), id) };
  const record: AuditRecord = {
    id,
    at: now,
    action,
    operatorSub: operator.sub,
    operatorName: operator.username,
    status: 'started',
  };
  await documentClient().send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...key, ...record, expiresAt: nowSeconds(now) + auditDays * DAY_SECONDS },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  const entry = { action, target, operator: operator.sub, auditId: id };
  logger.info('console action', { ...entry, status: 'started' });
  try {
    const detail = await run();
    await finish(key, 'done', detail);
    logger.info('console action', { ...entry, status: 'done' });
    return detail;
  } catch (error) {
    const reason = error instanceof Error ? error.name : 'Error';
    await finish(key, 'failed', { error: reason }).catch(() => undefined);
    logger.warn('console action', { ...entry, status: 'failed', error: reason });
    throw error;
  }
}

async function finish(key: { pk: string; sk: string }, status: AuditRecord['status'], detail: unknown) {
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: key,
      UpdateExpression: `SET #status = :status${detail ? ', detail = :detail' : ''}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status, ...(detail ? { ':detail': detail } : {}) },
    }),
  );
}

/** The actions taken on a user, newest first (at most `limit`). */
export async function readAuditTrail(
  target: string,
  limit: number,
  now = Date.now(),
): Promise<AuditRecord[]> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.audit(target), ':prefix': keys.auditPrefix() },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return Items.filter((item) => !isExpired(item, now)).map(
    ({ pk, sk, expiresAt, ...record }) => record as AuditRecord,
  );
}
