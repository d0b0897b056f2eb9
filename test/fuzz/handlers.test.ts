import { describe, expect, it } from 'vitest';
import { sampleKeySettings } from '../../scripts/local/sample-keys.js';
import { useLocalEmulators } from '../support/emulators.js';
import { fuzzTarget } from './harness.js';
import { fuzzTargets } from './targets.js';

/**
 * Fuzzing every function Cognito or API Gateway calls (./harness.ts says what is judged): events
 * generated from each function's schema, then mutated. Refused events cost no I/O; accepted
 * events of a function that reaches storage run on dynalite and the SES emulator (tens of ms
 * each, password hashing in migrate user), so they get FUZZ_STORAGE_RUNS of them.
 *
 * `npm test` (CI) runs FUZZ_RUNS = 1,000 events per function with a fresh seed each time, to
 * keep `.ci/run` under 10 minutes on two cores (one vitest worker: every fuzzed event adds to
 * the wall time); `npm run fuzz` runs the full 10,000 per function. FUZZ_SEED replays a run
 * (fast-check prints the seed of a failure).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
const STORAGE_RUNS = Number(process.env.FUZZ_STORAGE_RUNS ?? 30);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

useLocalEmulators({
  ...sampleKeySettings({}),
  RISK_CONTEXT_SECRET: 'fuzz-context-secret-0123456789abcdef',
  // Nothing answers there: a Cognito or SNS call fails at once (connection refused), as in an outage.
  COGNITO_ENDPOINT: 'http://127.0.0.1:9',
  SNS_ENDPOINT: 'http://127.0.0.1:9',
});

describe.each(fuzzTargets.map((target) => [target.name, target] as const))('fuzz: %s', (_, target) => {
  it('keeps the contract, shows no internals and logs no secret', { timeout: 900_000 }, async () => {
    const handler = await target.load();
    const accepted = Math.min(target.storage ? STORAGE_RUNS : Math.ceil(RUNS / 2), RUNS);
    const result = await fuzzTarget(target, handler, { accepted, refused: RUNS - accepted, seed: SEED });
    expect(result.accepted + result.refused).toBe(RUNS);
    console.info(
      `fuzz ${target.name}: ${result.accepted} accepted + ${result.refused} refused events in ${(result.ms / 1000).toFixed(1)} s`,
    );
  });
});
