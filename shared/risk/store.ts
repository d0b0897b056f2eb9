import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalFailure } from '../storage/items.js';
import { keys, userNameId } from '../storage/keys.js';
import { documentClient, isExpired, tableName } from '../storage/table.js';
import { logAssessment } from './assessment-log.js';
import { canonicalIp, ipBucket, networkOf, parseIp } from './ip.js';
import {
  type CounterChange,
  CURRENT_SIGN_IN_MARGIN_MS,
  emptyHistory,
  type IpActivity,
  type RiskHistory,
  type StoredAssessment,
} from './model.js';
import { FAILED_INVITE_SIGNAL, type RiskDecision, UNFAMILIAR_LOCKOUT_EVENT } from './types.js';

/**
 * The engine's reads and writes. Per evaluation the user's whole history comes from ONE Query of
 * the `USER#<id>` partition (newest first, bounded by `historyLimit`): sign-in records and the
 * device registry that post authentication keeps, the profile's compromised-credential flag,
 * operator feedback and the latest assessment with the per-user attempt counter. Per-IP
 * counters live in their own partition (`IP#<ip>`, one item per window): they are counted with
 * one UpdateItem whose `ALL_NEW` answer is also the read, run in parallel with the Query, as is
 * the Query of the failed-invite signals pre sign-up left under the IP's bucket.
 */
export interface RiskStore {
  loadUser(userId: string, now: number, windowStart: number): Promise<UserState>;
  /**
   * Counts an attempt from `ip` on `userId`; answers what the IP did in this window, and the
   * invitation codes refused from it at sign-up (both in one round trip).
   */
  countIpAttempt(
    ip: string,
    userId: string,
    windowStart: number,
    expiresAt: number,
    now: number,
  ): Promise<IpActivity>;
  /**
   * Migration flags a breached password before the user has a `sub`, on the PROFILE under the
   * lower-cased userName: read at a first sign-in only, and carried over by `carryCompromisedFlag`.
   */
  readNameProfileFlag(userName: string): Promise<boolean>;
  carryCompromisedFlag(userId: string): Promise<void>;
  /** Counts a success from `ip` and takes `userId` out of the accounts tried without success. */
  recordIpSuccess(ip: string, userId: string, windowStart: number, expiresAt: number): Promise<void>;
  saveAssessment(
    userId: string,
    assessment: StoredAssessment,
    counter: CounterChange,
    expiresAt: number,
  ): Promise<void>;
  /** Keeps pre authentication's assessment of one sign-in under its context's nonce. */
  saveSignInAssessment(nonce: string, userId: string, assessment: SignInAssessment): Promise<void>;
  /**
   * The assessment kept under `nonce` for this user, taken once per `use` (a conditional write
   * marks it): define auth challenge's step-up decision (`decided`) and post authentication's
   * learning (`learned`) each get it once; a replayed context then gets nothing, as when none was
   * kept. With `attemptId` the take is the attempt's (`<use>By`, in the same write): that attempt
   * (Cognito's retry of the call that took it) gets it again, any other finds it taken. Undefined
   * when absent, expired or taken already by another attempt.
   */
  takeSignInAssessment(
    nonce: string,
    userId: string,
    use: SignInAssessmentUse,
    now: number,
    attemptId?: string,
  ): Promise<SignInAssessment | undefined>;
}

/** The stages that take pre authentication's assessment of a sign-in, each once. */
export type SignInAssessmentUse = 'decided' | 'learned';

/** Pre authentication's assessment of one sign-in, as define auth challenge and post authentication find it. */
export interface SignInAssessment {
  eventId: string;
  at: number;
  clientId: string;
  level: RiskDecision['level'];
  score: number;
  reasons: RiskDecision['reasons'];
  /** The signed IP this attempt was counted on (per-IP counters): the one a success may pay back. */
  countedIp?: string;
  expiresAt: number;
}

export interface UserState {
  history: RiskHistory;
  latest?: StoredAssessment & { windowStart?: number; failures?: number };
  /** The Query hit `historyLimit`: the oldest items were not read. */
  truncated: boolean;
}

type Item = Record<string, unknown>;

/** Epoch milliseconds from a number (seconds or milliseconds) or an ISO string. */
function toMillis(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const num = (value: unknown): number | undefined => {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/** Sign-in records whose outcome says they did not succeed are not history to trust. */
const FAILED_OUTCOME = /fail|block|den(y|ied)|reject/i;

/** Turns the items of the user's partition into history (pure; exported for tests). */
export function historyFromItems(
  items: Item[],
  now: number,
  windowStart: number,
): Omit<UserState, 'truncated'> {
  const history = emptyHistory();
  let latest: UserState['latest'];
  const before = now - CURRENT_SIGN_IN_MARGIN_MS;
  // A user signs in from few addresses: parse each once (BigInt arithmetic is the costly part).
  const addresses = new Map<string, { ip: string; network: string } | undefined>();
  const address = (raw: string | undefined) => {
    if (raw === undefined) return undefined;
    if (!addresses.has(raw)) {
      const ip = parseIp(raw);
      addresses.set(raw, ip && { ip: canonicalIp(ip), network: networkOf(ip) });
    }
    return addresses.get(raw);
  };
  for (const item of items) {
    if (isExpired(item, now)) continue;
    const sk = String(item.sk ?? '');
    if (sk.startsWith(keys.signInPrefix())) {
      const at = toMillis(item.at) ?? toMillis(sk.split('#')[1]);
      if (at === undefined || at > before) continue;
      if (typeof item.outcome === 'string' && FAILED_OUTCOME.test(item.outcome)) continue;
      const where = address(text(item.ip));
      const latitude = num(item.latitude);
      const longitude = num(item.longitude);
      const located = latitude !== undefined && longitude !== undefined;
      // A literal with absent fields left undefined: spreads cost far more in this loop.
      history.signIns.push({
        at,
        ip: where?.ip,
        network: where?.network,
        country: text(item.country)?.toUpperCase(),
        latitude: located ? latitude : undefined,
        longitude: located ? longitude : undefined,
        deviceId: text(item.deviceKey) ?? text(item.deviceId),
      });
    } else if (sk.startsWith(keys.devicePrefix())) {
      const firstSeen = toMillis(item.firstSeen);
      if (firstSeen !== undefined && firstSeen > before) continue; // this sign-in's own device record
      const lastSeen = toMillis(item.lastSeen);
      history.devices.push({
        id: sk.slice(keys.devicePrefix().length),
        ...(firstSeen !== undefined ? { firstSeen } : {}),
        ...(lastSeen !== undefined ? { lastSeen } : {}),
      });
    } else if (sk.startsWith(keys.securityEventPrefix()) && sk.endsWith(`#${UNFAMILIAR_LOCKOUT_EVENT}`)) {
      const at = toMillis(item.at);
      if (at !== undefined && at <= now && at > (history.unfamiliarLockoutAt ?? 0))
        history.unfamiliarLockoutAt = at;
    } else if (sk === keys.profile()) {
      history.compromisedCredentials = item.compromisedCredentials === true;
    } else if (sk === keys.riskAssessment()) {
      latest = item as unknown as NonNullable<UserState['latest']>;
      if (latest.windowStart === windowStart) history.userFailures = num(latest.failures) ?? 0;
    } else if (sk.startsWith('RISK#device#') || sk.startsWith('RISK#network#')) {
      const [, kind, ...rest] = sk.split('#');
      const value = rest.join('#');
      const list =
        item.trust === 'trusted'
          ? kind === 'device'
            ? history.trustedDevices
            : history.trustedNetworks
          : kind === 'device'
            ? history.distrustedDevices
            : history.distrustedNetworks;
      list.push(value);
    }
  }
  history.signIns.sort((a, b) => b.at - a.at);
  return { history, ...(latest ? { latest } : {}) };
}

/** A short, stable digest of an account for the per-IP set (ids are not kept in another partition). */
export function accountDigest(userId: string): string {
  return createHash('sha256').update(userId).digest('hex').slice(0, 12);
}

/** The store on the single DynamoDB table. */
export function dynamoRiskStore(limit: number): RiskStore {
  return {
    async loadUser(userId, now, windowStart) {
      const result = await documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.user(userId) },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return {
        ...historyFromItems(result.Items ?? [], now, windowStart),
        truncated: result.LastEvaluatedKey !== undefined,
      };
    },

    async countIpAttempt(ip, userId, windowStart, expiresAt, now) {
      const [result, failedInvites] = await Promise.all([
        documentClient().send(
          new UpdateCommand({
            TableName: tableName(),
            Key: { pk: keys.ip(ip), sk: keys.window(windowStart) },
            UpdateExpression: 'ADD attempts :one, accounts :account SET expiresAt = :expiresAt',
            ExpressionAttributeValues: {
              ':one': 1,
              ':account': new Set([accountDigest(userId)]),
              ':expiresAt': expiresAt,
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
        readFailedInvites(ip, now),
      ]);
      const item = result.Attributes ?? {};
      const attempts = num(item.attempts) ?? 1;
      const successes = num(item.successes) ?? 0;
      const accounts = item.accounts instanceof Set ? item.accounts.size : 1;
      return { failures: Math.max(0, attempts - 1 - successes), accounts, failedInvites };
    },

    async readNameProfileFlag(userName) {
      const result = await documentClient().send(
        new GetCommand({
          TableName: tableName(),
          Key: { pk: keys.user(userNameId(userName)), sk: keys.profile() },
          ProjectionExpression: 'compromisedCredentials',
        }),
      );
      return result.Item?.compromisedCredentials === true;
    },

    async carryCompromisedFlag(userId) {
      await documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: { pk: keys.user(userId), sk: keys.profile() },
          UpdateExpression: 'SET compromisedCredentials = :true',
          ExpressionAttributeValues: { ':true': true },
        }),
      );
    },

    async recordIpSuccess(ip, userId, windowStart, expiresAt) {
      await documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: { pk: keys.ip(ip), sk: keys.window(windowStart) },
          UpdateExpression: 'ADD successes :one DELETE accounts :account SET expiresAt = :expiresAt',
          ExpressionAttributeValues: {
            ':one': 1,
            ':account': new Set([accountDigest(userId)]),
            ':expiresAt': expiresAt,
          },
        }),
      );
    },

    async saveSignInAssessment(nonce, userId, assessment) {
      await documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: { pk: keys.signInContext(nonce), sk: keys.user(userId), ...assessment },
        }),
      );
    },

    async takeSignInAssessment(nonce, userId, use, now, attemptId) {
      let Item: Item | undefined;
      try {
        ({ Attributes: Item } = await documentClient().send(
          new UpdateCommand({
            TableName: tableName(),
            Key: { pk: keys.signInContext(nonce), sk: keys.user(userId) },
            ...takeExpression(use, now, attemptId),
            ReturnValues: 'ALL_NEW',
          }),
        ));
      } catch (error) {
        if (isConditionalFailure(error)) return undefined;
        throw error;
      }
      if (!Item || isExpired(Item, now)) return undefined;
      const { level, score, reasons, eventId, at, clientId, countedIp, expiresAt } = Item;
      const valid =
        (level === 'low' || level === 'medium' || level === 'high') &&
        typeof score === 'number' &&
        Array.isArray(reasons) &&
        typeof eventId === 'string' &&
        typeof at === 'number' &&
        typeof clientId === 'string';
      if (!valid) return undefined;
      return {
        level,
        score,
        reasons,
        eventId,
        at,
        clientId,
        expiresAt: Number(expiresAt),
        ...(typeof countedIp === 'string' ? { countedIp } : {}),
      };
    },

    async saveAssessment(userId, assessment, counter, expiresAt) {
      const { decision } = assessment;
      const values: Record<string, unknown> = {
        ':level': decision.level,
        ':score': decision.score,
        ':action': decision.action,
        ':reasons': decision.reasons,
        ':eventId': assessment.eventId,
        ':at': assessment.at,
        ':clientId': assessment.clientId,
        ':expiresAt': expiresAt,
      };
      const sets = [
        '#level = :level',
        'score = :score',
        '#action = :action',
        'reasons = :reasons',
        'eventId = :eventId',
        '#at = :at',
        'clientId = :clientId',
        'expiresAt = :expiresAt',
      ];
      const optional = {
        wouldTake: decision.wouldTake,
        ip: assessment.ip,
        network: assessment.network,
        deviceId: assessment.deviceId,
        countedIp: assessment.countedIp,
      };
      const removes: string[] = [];
      for (const [name, value] of Object.entries(optional)) {
        if (value === undefined) removes.push(name);
        else {
          sets.push(`${name} = :${name}`);
          values[`:${name}`] = value;
        }
      }
      let add = '';
      if (counter.kind === 'attempt') {
        sets.push('windowStart = :windowStart');
        values[':windowStart'] = counter.windowStart;
        values[':one'] = 1;
        if (counter.sameWindow) add = ' ADD failures :one';
        else sets.push('failures = :one');
      } else if (counter.kind === 'success') {
        sets.push('failures = :zero');
        values[':zero'] = 0;
      }
      // The operators' log of every assessment, in the same round trip.
      await Promise.all([
        documentClient().send(
          new UpdateCommand({
            TableName: tableName(),
            Key: { pk: keys.user(userId), sk: keys.riskAssessment() },
            UpdateExpression: `SET ${sets.join(', ')}${add}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ExpressionAttributeNames: { '#level': 'level', '#action': 'action', '#at': 'at' },
            ExpressionAttributeValues: values,
          }),
        ),
        logAssessment(userId, assessment, counter, expiresAt),
      ]);
    },
  };
}

/**
 * The conditional write that takes a sign-in's assessment for `use`. Without an attempt: once
 * (`<use>At` absent). With one: once per attempt, in the same single write (no read first): the
 * first take records its attempt (`<use>By`), and only that attempt takes it again, keeping the
 * first take's time.
 */
function takeExpression(
  use: SignInAssessmentUse,
  now: number,
  attemptId: string | undefined,
): {
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} {
  if (attemptId === undefined) {
    return {
      UpdateExpression: 'SET #use = :now',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#use)',
      ExpressionAttributeNames: { '#use': `${use}At` },
      ExpressionAttributeValues: { ':now': now },
    };
  }
  return {
    UpdateExpression: 'SET #use = if_not_exists(#use, :now), #by = :attempt',
    ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#use) OR #by = :attempt)',
    ExpressionAttributeNames: { '#use': `${use}At`, '#by': `${use}By` },
    ExpressionAttributeValues: { ':now': now, ':attempt': attemptId },
  };
}

/**
 * Invitation codes refused from this IP's bucket (`ipBucket`: IPv6 by /64, as pre sign-up counts
 * it), summed over the signal items still live: one Query of the newest two (pre sign-up keeps
 * one per velocity window, each expiring a window after its own), so the engine needs no sign-up
 * setting to find them.
 */
async function readFailedInvites(ip: string, now: number): Promise<number> {
  const bucket = ipBucket(ip);
  if (!bucket) return 0;
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': keys.ip(bucket),
        ':prefix': keys.signalPrefix(FAILED_INVITE_SIGNAL),
      },
      ScanIndexForward: false,
      Limit: 2,
    }),
  );
  return Items.filter((item) => !isExpired(item, now)).reduce((sum, item) => sum + (num(item.count) ?? 0), 0);
}
