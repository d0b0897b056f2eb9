import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys, userKey, userNameId } from '../../shared/storage/keys.js';
import { useLocalEmulators } from '../support/emulators.js';

/** Subs and userNames have separate key spaces: one can never name the other's items. */
useLocalEmulators();

describe('separate key spaces for subs and userNames', () => {
  const victimSub = '6a1e5f0c-3b2d-4e8f-9a7b-1c2d3e4f5a6b';

  it('keys a user without a sub under NAME#, never where a sub could be', () => {
    expect(userKey(undefined, 'Bob@Example.com')).toBe('NAME#bob@example.com');
    expect(userKey({ sub: victimSub }, 'bob')).toBe(victimSub);
    expect(keys.user(userKey(undefined, victimSub))).not.toBe(keys.user(victimSub));
  });

  it("attack: a userName equal to another user's sub does not read that user's compromised-credential flag", async () => {
    const { documentClient, tableName } = await import('../../shared/storage/table.js');
    const { dynamoRiskStore } = await import('../../shared/risk/store.js');
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { pk: keys.user(victimSub), sk: keys.profile(), compromisedCredentials: true },
      }),
    );
    const store = dynamoRiskStore(50);
    expect(await store.readNameProfileFlag(victimSub)).toBe(false);
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { pk: keys.user(userNameId('Legacy.User')), sk: keys.profile(), compromisedCredentials: true },
      }),
    );
    expect(await store.readNameProfileFlag('legacy.user')).toBe(true);
  });
});
