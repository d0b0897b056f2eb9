import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { rejection } from '../errors/index.js';
import { checkEvent } from '../events/parse.js';
import { conditionalWrite } from '../storage/items.js';
import { keys } from '../storage/keys.js';
import { documentClient, isExpired, nowSeconds, TTL_ATTRIBUTE, tableName } from '../storage/table.js';
import { findLoggedAssessment } from './assessment-log.js';
import { canonicalIp, networkOf, parseIp } from './ip.js';

/**
 * Operator feedback: an event (an assessment or a sign-in) marked `valid` trusts its device and
 * network in later scores of that user (no new-device, new-network, unfamiliar-country or
 * impossible-travel points from them); `invalid` distrusts them (points of their own). The
 * newest verdict on a device or network wins by its time (`at`), whatever order verdicts arrive
 * in: one item each, overwritten only by a verdict at least as new.
 */
export const riskFeedbackSchema = v.pipe(
  v.object({
    userId: v.pipe(v.string(), v.minLength(1)),
    verdict: v.picklist(['valid', 'invalid']),
    /** An assessment's `eventId` (logged, and kept for the latest one) or a sign-in record's id. */
    eventId: v.optional(v.pipe(v.string(), v.minLength(1))),
    deviceId: v.optional(v.pipe(v.string(), v.minLength(1))),
    ip: v.optional(
      v.pipe(
        v.string(),
        v.check((text) => parseIp(text) !== undefined, 'must be an IP address'),
      ),
    ),
    /** When the operator gave the verdict (ISO 8601); defaults to the time it is applied. */
    at: v.optional(v.pipe(v.string(), v.isoTimestamp('must be an ISO 8601 time with a time zone'))),
  }),
  v.check((e) => Boolean(e.eventId || e.deviceId || e.ip), 'needs eventId, deviceId or ip'),
);

export type RiskFeedbackEvent = v.InferOutput<typeof riskFeedbackSchema>;

export const parseRiskFeedbackEvent = (input: unknown) => checkEvent(riskFeedbackSchema, input);

export interface FeedbackResult {
  userId: string;
  verdict: 'valid' | 'invalid';
  trust: 'trusted' | 'distrusted';
  device?: string;
  network?: string;
  /** Set when a newer verdict was already recorded for the device or network: this one was not kept. */
  superseded?: true;
}

const DAY_SECONDS = 86_400;
const MAX_CLOCK_SKEW_MS = 60_000;

/**
 * Records the verdict. With an `eventId`, the device and IP come from that event (one Query of
 * the user's partition); `deviceId` / `ip` given explicitly win over the event's.
 */
export async function applyRiskFeedback(
  event: RiskFeedbackEvent,
  stateDays: number,
  now = Date.now(),
): Promise<FeedbackResult> {
  const found = event.eventId ? await findEvent(event.userId, event.eventId, now) : {};
  const deviceId = event.deviceId ?? found.deviceId;
  const ip = parseIp(event.ip ?? found.ip);
  const network = ip && networkOf(ip);
  if (!deviceId && !network) {
    throw rejection('RISK_EVENT_WITHOUT_CONTEXT');
  }
  const trust = event.verdict === 'valid' ? 'trusted' : 'distrusted';
  const at = event.at ? Date.parse(event.at) : now;
  // A verdict from the future would stand against every later one.
  if (at > now + MAX_CLOCK_SKEW_MS) {
    throw rejection('RISK_FEEDBACK_IN_FUTURE');
  }
  const item = {
    pk: keys.user(event.userId),
    trust,
    verdict: event.verdict,
    ...(event.eventId ? { eventId: event.eventId } : {}),
    ...(ip ? { ip: canonicalIp(ip) } : {}),
    at,
    expiresAt: nowSeconds(now) + stateDays * DAY_SECONDS,
  };
  const puts = [];
  if (deviceId) puts.push({ ...item, sk: keys.riskDevice(deviceId) });
  if (network) puts.push({ ...item, sk: keys.riskNetwork(network) });
  const kept = await Promise.all(puts.map((verdict) => putUnlessNewer(verdict, now)));
  return {
    userId: event.userId,
    verdict: event.verdict,
    trust,
    ...(deviceId ? { device: deviceId } : {}),
    ...(network ? { network } : {}),
    ...(kept.every(Boolean) ? {} : { superseded: true as const }),
  };
}

/**
 * Writes a verdict unless a newer one (a later `at`, not yet expired) stands: verdicts applied out
 * of order (a retry, a slow queue, two operators) keep the newest. False when it was not written.
 */
async function putUnlessNewer(verdict: Record<string, unknown> & { at: number }, now: number) {
  return conditionalWrite(
    documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: verdict,
        ConditionExpression: 'attribute_not_exists(pk) OR #at <= :at OR #expires <= :now',
        ExpressionAttributeNames: { '#at': 'at', '#expires': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':at': verdict.at, ':now': nowSeconds(now) },
      }),
    ),
  );
}

async function findEvent(
  userId: string,
  eventId: string,
  now: number,
): Promise<{ deviceId?: string; ip?: string }> {
  const result = await documentClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.user(userId) },
      ScanIndexForward: false,
    }),
  );
  const item = (result.Items ?? []).find(
    (candidate) =>
      !isExpired(candidate, now) &&
      ((candidate.sk === keys.riskAssessment() && candidate.eventId === eventId) ||
        (String(candidate.sk).startsWith(keys.signInPrefix()) &&
          (String(candidate.sk).endsWith(`#${eventId}`) ||
            candidate.id === eventId ||
            candidate.eventId === eventId))),
  );
  // Older assessments (refused attempts included) are in the assessment log.
  const logged = item ?? (await findLoggedAssessment(userId, eventId, now));
  if (!logged) throw rejection('RISK_EVENT_NOT_FOUND', eventId);
  return eventContext(logged as unknown as Record<string, unknown>);
}

function eventContext(item: Record<string, unknown>): { deviceId?: string; ip?: string } {
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  const deviceId = text(item.deviceKey) ?? text(item.deviceId);
  const ip = text(item.ip);
  return { ...(deviceId ? { deviceId } : {}), ...(ip ? { ip } : {}) };
}
