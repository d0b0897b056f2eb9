/**
 * npm run demo: the whole flow on a laptop. Starts the local stack (cognito-local, serverless-offline,
 * dynalite, the SES emulator; 127.0.0.1, free ports), plays the story from sign-up to API call,
 * printing each step, which triggers ran and what they decided, then stops everything it started.
 * Exits 1 if any step did not do what it should.
 */
import { exitOnSignals, stopAllManaged } from './local/processes.js';
import { type GatehouseStack, startGatehouseStack, stopAllStacks } from './local/stack.js';
import { createStory, storyConfig, storyEnv, storyParams } from './local/story.js';
import type { StepResult } from './local/story-kit.js';

async function main(): Promise<number> {
  const started = performance.now();
  let stack: GatehouseStack | undefined;
  let interrupted = false;
  exitOnSignals(async () => {
    interrupted = true;
    await stopAllStacks();
    await stopAllManaged();
  });
  console.log('Gatehouse demo: sign-up to API call, on a local Cognito, DynamoDB, SES and API Gateway.\n');
  console.log('Starting the local stack on 127.0.0.1...');
  stack = await startGatehouseStack({
    config: storyConfig,
    env: storyEnv,
    params: storyParams,
    progress: (line) => console.log(`  ${line}`),
  });
  const results: StepResult[] = [];
  try {
    console.log(`Stack ready in ${seconds(stack.startupMs)}.`);
    console.log(
      'cognito-local calls the triggers through a tap that records them (⚡ below) and sends Cognito’s\n' +
        'event shape (version "1", the region, the user’s groups in pre token generation).',
    );
    const story = await createStory(stack, (line) => console.log(line));
    for (const step of story.steps) {
      if (interrupted) return 1;
      results.push(await step.run());
    }
  } finally {
    await stack.stop();
  }
  return summarize(results, performance.now() - started, stack.startupMs);
}

function summarize(results: StepResult[], totalMs: number, startupMs: number): number {
  const checks = results.flatMap((result) => result.checks);
  const failed = results.flatMap((result) => result.failed.map((check) => `${result.title}: ${check.label}`));
  console.log('');
  console.log(
    `${results.length} steps, ${checks.length - failed.length} checks passed, ${failed.length} failed.`,
  );
  console.log(`Stack startup ${seconds(startupMs)}, whole demo ${seconds(totalMs)}; every process stopped.`);
  if (failed.length) {
    console.log('\nFailed:');
    for (const line of failed) console.log(`  ✗ ${line}`);
    return 1;
  }
  return 0;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    await stopAllManaged();
    process.exit(1);
  },
);
