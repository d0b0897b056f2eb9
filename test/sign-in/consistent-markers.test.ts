import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../shared/config/settings.js';
import type { PostAuthenticationEvent } from '../../shared/events/index.js';
import { noRiskEngine, type RiskHooks, type SignInAttempt } from '../../shared/risk/contract.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';

/**
 * A marker that decides idempotency is read strongly consistent. dynalite is always consistent,
 * so the fault is simulated: a stand-in for an eventually consistent replica that has not seen
 * the marker yet answers every read that does not ask for consistency with "no item".
 */
const local = useLocalEmulators({ SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let sut: typeof import('../../shared/sign-in/post-authentication.js');
let table: typeof import('../../shared/storage/table.js');

beforeAll(async () => {
  sut = await import('../../shared/sign-in/post-authentication.js');
  table = await import('../../shared/storage/table.js');
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Answers reads without ConsistentRead as a lagging replica would: the item is not there yet. */
function staleReplica() {
  const client = table.documentClient();
  const send = client.send.bind(client);
  vi.spyOn(client, 'send').mockImplementation(((command: object) => {
    if (command instanceof GetCommand && command.input.ConsistentRead !== true) return Promise.resolve({});
    return send(command as never);
  }) as never);
}

describe('idempotency markers under eventually consistent reads', () => {
  it('attack: a retried post authentication after a stale read writes one history record and learns once', async () => {
    const learned: SignInAttempt[] = [];
    const risk: RiskHooks = {
      ...noRiskEngine,
      learn: async (attempt) => {
        learned.push(attempt);
        return {};
      },
    };
    const settings = loadSettings(signInSettingSpecs, { env: {}, file: {} });
    const e = sampleEvent<PostAuthenticationEvent>('PostAuthentication_Authentication');
    const sub = `stale-${Date.now()}`;
    e.userName = sub;
    e.request.userAttributes.sub = sub;
    e.request.clientMetadata = { ...e.request.clientMetadata, requestId: 'stale-read-1' };
    staleReplica();
    const now = Date.now();
    await sut.postAuthentication(structuredClone(e), settings, risk, now);
    await sut.postAuthentication(structuredClone(e), settings, risk, now + 1_500);
    const records = (await local.dynamo.scan()).filter(
      (item) => item.pk === `USER#${sub}` && String(item.sk).startsWith('SIGNIN#'),
    );
    expect(records).toHaveLength(1);
    expect(learned).toHaveLength(1);
  });
});
