import { BatchGetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { getItem, type LatestAssessmentRecord, type UserProfile } from '../storage/items.js';
import { keys } from '../storage/keys.js';
import { documentClient, isExpired, tableName } from '../storage/table.js';

/** What pre token generation reads about a user: the profile, and the latest risk level if asked. */
export interface TokenSubject {
  profile?: UserProfile;
  riskLevel?: string;
}

/**
 * One read per invocation: a GetItem of the profile, or, when the risk claim is on, one
 * BatchGetItem of the profile and the latest assessment together.
 */
export async function readTokenSubject(userId: string, withRisk: boolean): Promise<TokenSubject> {
  if (!withRisk) return { profile: await getItem<UserProfile>(keys.user(userId), keys.profile()) };
  const pk = keys.user(userId);
  let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
    [tableName()]: {
      Keys: [
        { pk, sk: keys.profile() },
        { pk, sk: keys.riskAssessment() },
      ],
    },
  };
  const items: Record<string, unknown>[] = [];
  // BatchGetItem may leave keys unprocessed under throttling; ask again for those only, twice at most.
  for (let round = 0; request && round < 3; round++) {
    const result: BatchGetCommandOutput = await documentClient().send(
      new BatchGetCommand({ RequestItems: request }),
    );
    items.push(...(result.Responses?.[tableName()] ?? []));
    request =
      result.UnprocessedKeys && Object.keys(result.UnprocessedKeys).length
        ? (result.UnprocessedKeys as typeof request)
        : undefined;
  }
  const live = items.filter((item) => !isExpired(item));
  const profile = live.find((item) => item.sk === keys.profile()) as UserProfile | undefined;
  const risk = live.find((item) => item.sk === keys.riskAssessment()) as LatestAssessmentRecord | undefined;
  return { profile, ...(typeof risk?.level === 'string' ? { riskLevel: risk.level } : {}) };
}
