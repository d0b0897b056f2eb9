import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../storage/keys.js';
import { documentClient, isExpired, tableName } from '../storage/table.js';
import type { CounterChange, StoredAssessment } from './model.js';
import type { RiskAction, RiskLevel, RiskReason } from './types.js';

/**
 * The record of every assessment (not only the latest), for operators: the console shows a
 * user's sign-ins and refused attempts with each reason's points, and a chart of sign-ins by
 * level for the whole pool. Items live in their own partitions (`RISKLOG#<id>` per user,
 * `RISKSTATS#levels` for the pool), so the engine's one Query of `USER#<id>` never reads them.
 */

/** Which step made the assessment: pre authentication (`attempt`), define auth challenge, post authentication. */
export type AssessmentOutcome = 'attempt' | 'challenge' | 'success';

/** One item of a user's assessment log. */
export interface LoggedAssessment {
  eventId: string;
  /** Epoch milliseconds. */
  at: number;
  clientId: string;
  outcome: AssessmentOutcome;
  level: RiskLevel;
  score: number;
  action: RiskAction;
  wouldTake?: RiskAction;
  reasons: RiskReason[];
  ip?: string;
  network?: string;
  deviceId?: string;
  country?: string;
}

/** The pool's counts of one day: successful sign-ins by level, and attempts the engine blocked. */
export interface DailyLevels {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  low: number;
  medium: number;
  high: number;
  blocked: number;
}

/**
 * Counters of one day are spread over this many items, so a busy pool does not write one item
 * past DynamoDB's per-item throughput; a read sums them (one Query returns every shard).
 */
const DAY_SHARDS = 8;
const DAY_MS = 86_400_000;

const outcomeOf = (counter: CounterChange): AssessmentOutcome =>
  counter.kind === 'attempt' ? 'attempt' : counter.kind === 'success' ? 'success' : 'challenge';

/** `YYYY-MM-DD` of an epoch-milliseconds time, UTC. */
export const dayOf = (at: number): string => new Date(at).toISOString().slice(0, 10);

/**
 * Logs one assessment and, for a success or a blocked attempt, counts it in the pool's day.
 * A sign-in is counted once: pre authentication's allowed attempt is counted by its success.
 */
export async function logAssessment(
  userId: string,
  assessment: StoredAssessment,
  counter: CounterChange,
  expiresAt: number,
): Promise<void> {
  const { decision } = assessment;
  const outcome = outcomeOf(counter);
  const item: LoggedAssessment & { pk: string; sk: string; expiresAt: number } = {
    pk: keys.riskLog(userId),
    sk: keys.riskLogEvent(new Date(assessment.at).toISOString(), assessment.eventId),
    eventId: assessment.eventId,
    at: assessment.at,
    clientId: assessment.clientId,
    outcome,
    level: decision.level,
    score: decision.score,
    action: decision.action,
    reasons: decision.reasons,
    ...(decision.wouldTake ? { wouldTake: decision.wouldTake } : {}),
    ...(assessment.ip ? { ip: assessment.ip } : {}),
    ...(assessment.network ? { network: assessment.network } : {}),
    ...(assessment.deviceId ? { deviceId: assessment.deviceId } : {}),
    ...(assessment.country ? { country: assessment.country } : {}),
    expiresAt,
  };
  const writes: Promise<unknown>[] = [
    documentClient().send(new PutCommand({ TableName: tableName(), Item: item })),
  ];
  const blocked = outcome === 'attempt' && decision.action === 'block';
  if (outcome === 'success' || blocked)
    writes.push(countDay(assessment.at, decision.level, blocked, expiresAt));
  await Promise.all(writes);
}

function countDay(at: number, level: RiskLevel, blocked: boolean, expiresAt: number): Promise<unknown> {
  const shard = Math.floor(Math.random() * DAY_SHARDS);
  return documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: keys.riskDaily(), sk: keys.riskDay(dayOf(at), shard) },
      UpdateExpression: `ADD #level :one${blocked ? ', blocked :one' : ''} SET expiresAt = :expiresAt`,
      ExpressionAttributeNames: { '#level': level },
      ExpressionAttributeValues: { ':one': 1, ':expiresAt': expiresAt },
    }),
  );
}

/** A user's logged assessments, newest first (at most `limit`). */
export async function readAssessmentLog(userId: string, limit: number, now = Date.now()) {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.riskLog(userId), ':prefix': keys.riskLogPrefix() },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return Items.filter((item) => !isExpired(item, now)).map(
    ({ pk, sk, expiresAt, ...rest }) => rest,
  ) as LoggedAssessment[];
}

/** One logged assessment of a user by its event id (operator feedback on an older event). */
export async function findLoggedAssessment(
  userId: string,
  eventId: string,
  now = Date.now(),
): Promise<LoggedAssessment | undefined> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: 'eventId = :eventId',
      ExpressionAttributeValues: {
        ':pk': keys.riskLog(userId),
        ':prefix': keys.riskLogPrefix(),
        ':eventId': eventId,
      },
    }),
  );
  return Items.find((item) => !isExpired(item, now)) as LoggedAssessment | undefined;
}

/** The pool's counts for the `days` days up to `now` (oldest first, every day present). */
export async function readDailyLevels(days: number, now = Date.now()): Promise<DailyLevels[]> {
  const first = dayOf(now - (days - 1) * DAY_MS);
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': keys.riskDaily(),
        ':from': keys.riskDay(first, 0),
        ':to': keys.riskDay(dayOf(now), DAY_SHARDS),
      },
    }),
  );
  const byDay = new Map<string, DailyLevels>();
  for (let i = days - 1; i >= 0; i--) {
    const day = dayOf(now - i * DAY_MS);
    byDay.set(day, { day, low: 0, medium: 0, high: 0, blocked: 0 });
  }
  for (const item of Items) {
    const entry = byDay.get(String(item.sk).split('#')[1] ?? '');
    if (!entry) continue;
    for (const field of ['low', 'medium', 'high', 'blocked'] as const)
      entry[field] += Number(item[field] ?? 0);
  }
  return [...byDay.values()];
}
