/**
 * End to end: the demo's story against the whole local stack (cognito-local, serverless-offline,
 * dynalite, the SES emulator), one test per step, then a check that nothing is left running.
 * Every check of a step is strict (exact messages, subjects and statuses); a trigger that crashes
 * fails the check that expected its deliberate refusal.
 */
import { connect } from 'node:net';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { groupAlive, stopAllManaged } from '../../scripts/local/processes';
import { type GatehouseStack, startGatehouseStack } from '../../scripts/local/stack';
import {
  createStory,
  type Story,
  storyConfig,
  storyEnv,
  storyParams,
  storyTitles,
} from '../../scripts/local/story';
import { entryKey } from '../../shared/onboarding/outbox';

let stack: GatehouseStack;
let story: Story;

beforeAll(async () => {
  // The onboarding sweeper every 5 s instead of every minute, so its test below is quick.
  stack = await startGatehouseStack({
    config: storyConfig,
    env: storyEnv,
    params: storyParams,
    sweepEveryMs: 5_000,
  });
  story = await createStory(stack);
});

afterAll(async () => {
  await stack?.stop();
  await stopAllManaged();
});

describe('the story, sign-up to API call', () => {
  it.each(Object.values(storyTitles))('%s', async (title) => {
    const step = story.steps.find((candidate) => candidate.title === title);
    expect(step, `no step "${title}"`).toBeDefined();
    const result = await step!.run();
    expect(result.failed, `\n${result.lines.join('\n')}`).toEqual([]);
    expect(result.checks.length).toBeGreaterThan(0);
  });
});

describe('the local stack', () => {
  it('recorded every trigger cognito-local called, with its events brought to Cognito’s shape', () => {
    const invocations = stack.tap.invocations();
    const sources = new Set(invocations.map((invocation) => invocation.triggerSource));
    for (const source of [
      'PreSignUp_SignUp',
      'CustomMessage_SignUp',
      'PostConfirmation_ConfirmSignUp',
      'PostAuthentication_Authentication',
      'TokenGeneration_Authentication',
      'TokenGeneration_RefreshTokens',
      'UserMigration_Authentication',
    ]) {
      expect(sources, source).toContain(source);
    }
    const tokenEvents = invocations.filter((invocation) =>
      invocation.triggerSource?.startsWith('TokenGeneration_'),
    );
    for (const invocation of tokenEvents) expect(invocation.fixed).toContain('request.groupConfiguration');
  });

  it('runs the onboarding sweeper on its schedule: a welcome mail left in the outbox arrives, once', async () => {
    // What post confirmation leaves when it had too little time for the mail: its outbox entry.
    const item = { pk: 'USER#00000000-0000-4000-8000-00000000late', sk: 'ONBOARDING' };
    const welcome = {
      step: 'welcomeSentAt',
      type: 'mail',
      kind: 'welcome',
      to: 'late@example.org',
      locale: 'en',
      values: { name: 'Lena' },
    };
    await stack.dynamo.client.send(
      new PutItemCommand({
        TableName: stack.dynamo.tableName,
        Item: marshall({ ...entryKey(item), itemPk: item.pk, itemSk: item.sk, effects: [welcome], dueAt: 0 }),
      }),
    );
    const mailsToLena = async () =>
      (await stack.ses.mails()).filter((mail) => mail.destination.to.includes('late@example.org'));
    await vi.waitFor(async () => expect(await mailsToLena()).toHaveLength(1), {
      timeout: 30_000,
      interval: 500,
    });
    expect((await mailsToLena())[0]).toMatchObject({ subject: 'Welcome to Gatehouse' });
    // The next sweeps find it settled: the entry is gone, and no second mail.
    await vi.waitFor(
      async () =>
        expect((await stack.dynamo.scan()).filter((i) => String(i.pk).startsWith('OUTBOX#'))).toEqual([]),
      { timeout: 15_000, interval: 500 },
    );
    expect(await mailsToLena()).toHaveLength(1);
  }, 60_000);

  it('stops every process it started and leaves no listener behind', async () => {
    const pids = [stack.cognito.process.pid, stack.offline.process.pid];
    const endpoints = [
      stack.cognito.endpoint,
      stack.offline.httpEndpoint,
      stack.offline.lambdaEndpoint,
      stack.dynamo.endpoint,
      stack.ses.endpoint,
      stack.tap.endpoint,
    ];
    await stack.stop();
    for (const pid of pids) expect(groupAlive(pid), `process group ${pid}`).toBe(false);
    for (const endpoint of endpoints) expect(await listening(endpoint), endpoint).toBe(false);
  });
});

function listening(endpoint: string): Promise<boolean> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
