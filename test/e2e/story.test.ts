/**
 * End to end: the demo's story against the whole local stack (cognito-local, serverless-offline,
 * dynalite, the SES emulator), one test per step, then a check that nothing is left running.
 * Every check of a step is strict (exact messages, subjects and statuses); a trigger that crashes
 * fails the check that expected its deliberate refusal.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

let stack: GatehouseStack;
let story: Story;

beforeAll(async () => {
  stack = await startGatehouseStack({ config: storyConfig, env: storyEnv, params: storyParams });
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
