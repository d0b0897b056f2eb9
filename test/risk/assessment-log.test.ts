import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/storage/keys.js';
import { useLocalEmulators } from '../support/emulators.js';
import { DAY, HOUR, NOW, PLACES, signInAttempt, testConfig, testGeo } from './support/fixtures.js';

/**
 * The assessment log on dynalite: every assessment the engine makes is kept (refused attempts
 * too) for the operator console, apart from the partition the engine reads, and the pool's
 * sign-ins are counted per day and level.
 */
useLocalEmulators();

const table = await import('../../shared/storage/table.js');
const { createRiskEngine } = await import('../../shared/risk/engine.js');
const { dynamoRiskStore } = await import('../../shared/risk/store.js');
const { applyRiskFeedback } = await import('../../shared/risk/feedback.js');
const { readAssessmentLog, readDailyLevels } = await import('../../shared/risk/assessment-log.js');

let counter = 0;
const freshUser = () => `log-user-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
const engineFor = () => {
  const config = testConfig();
  return createRiskEngine(config, { store: dynamoRiskStore(config.historyLimit), geo: testGeo() });
};
const attemptOf = (userId: string, options: Parameters<typeof signInAttempt>[0] = {}) => ({
  ...signInAttempt(options),
  userId,
});

async function seedSignIn(userId: string, at: number) {
  const p = PLACES.home;
  await table.documentClient().send(
    new PutCommand({
      TableName: table.tableName(),
      Item: {
        pk: keys.user(userId),
        sk: keys.signIn(new Date(at).toISOString(), `s${at}`),
        at,
        clientId: 'web-client',
        deviceKey: 'laptop-1',
        ip: p.ip,
        country: p.country,
        latitude: p.latitude,
        longitude: p.longitude,
        outcome: 'success',
      },
    }),
  );
}

async function userPartition(userId: string) {
  const { Items = [] } = await table.documentClient().send(
    new QueryCommand({
      TableName: table.tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.user(userId) },
    }),
  );
  return Items;
}

describe('the assessment log', () => {
  it('keeps a blocked attempt with every reason and its points, where the engine never reads it', async () => {
    const userId = freshUser();
    await seedSignIn(userId, NOW - HOUR);
    const decision = await engineFor().assess(attemptOf(userId, { place: 'tokyo' }));
    expect(decision).toMatchObject({ action: 'block' });
    const [logged] = await readAssessmentLog(userId, 10, NOW);
    expect(logged).toMatchObject({
      eventId: decision.eventId,
      outcome: 'attempt',
      level: 'high',
      score: decision.score,
      action: 'block',
      reasons: decision.reasons,
      ip: PLACES.tokyo.ip,
      country: PLACES.tokyo.country,
    });
    expect(logged!.reasons.every((r) => typeof r.points === 'number')).toBe(true);
    const sortKeys = (await userPartition(userId)).map((item) => String(item.sk));
    expect(sortKeys.some((sk) => sk.startsWith(keys.riskLogPrefix()))).toBe(false);
  });

  it('keeps every attempt, newest first, not only the latest', async () => {
    const userId = freshUser();
    await seedSignIn(userId, NOW - DAY);
    const engine = engineFor();
    const first = await engine.assess(attemptOf(userId, { place: 'tokyo' }));
    const second = await engine.assess(attemptOf(userId, { at: NOW + 60_000 }));
    const log = await readAssessmentLog(userId, 10, NOW);
    expect(log.map((entry) => entry.eventId)).toEqual([second.eventId, first.eventId]);
  });

  it("counts each success and each blocked attempt once in the pool's day, by level", async () => {
    const day = NOW + 40 * DAY; // a day no other test writes
    const before = (await readDailyLevels(1, day))[0]!;
    const engine = engineFor();
    const blockedUser = freshUser();
    await seedSignIn(blockedUser, day - HOUR);
    await engine.assess(attemptOf(blockedUser, { place: 'tokyo', at: day }));
    const okUser = freshUser();
    await seedSignIn(okUser, day - DAY);
    // Pre authentication then post authentication of one sign-in: counted once, by its success.
    await engine.assess(attemptOf(okUser, { at: day }));
    await engine.learn(attemptOf(okUser, { at: day + 30_000 }));
    const after = (await readDailyLevels(1, day + HOUR))[0]!;
    expect(after.day).toBe(new Date(day).toISOString().slice(0, 10));
    expect(after.high - before.high).toBe(1);
    expect(after.blocked - before.blocked).toBe(1);
    expect(after.low - before.low).toBe(1);
    const fortnight = await readDailyLevels(14, day + HOUR);
    expect(fortnight).toHaveLength(14);
    expect(fortnight.at(-1)).toEqual(after);
  });

  it('lets operator feedback name an older assessment: the attempt is found in the log', async () => {
    const userId = freshUser();
    await seedSignIn(userId, NOW - HOUR);
    const engine = engineFor();
    const refused = await engine.assess(attemptOf(userId, { place: 'tokyo' }));
    await engine.assess(attemptOf(userId, { at: NOW + 60_000 })); // now the latest
    const result = await applyRiskFeedback(
      { userId, verdict: 'invalid', eventId: refused.eventId! },
      30,
      NOW + 120_000,
    );
    expect(result).toMatchObject({ trust: 'distrusted', network: expect.stringContaining('198.51.100') });
  });
});
