/**
 * npm run load [-- --users N --concurrency C --time-limit SECONDS --overload]: N users (default 200, 50 at
 * a time) play sign-up → confirm → sign-in → token → protected call through the real function
 * handlers on dynalite and the SES emulator, in this process (see ./run.ts). Prints p50/p99 per
 * function, DynamoDB and SES round trips per flow, and every effect counted against what the run
 * did. Exit 0: every user finished and no effect was lost or duplicated; 1: otherwise.
 */

import { formatReport } from './report.js';
import { defaultLoadOptions, type LoadOptions, runLoad } from './run.js';

function parseArguments(argv: string[]): Partial<LoadOptions> {
  const options: Partial<LoadOptions> = {};
  const names: Record<string, (value: number) => Partial<LoadOptions>> = {
    '--users': (n) => ({ users: n }),
    '--concurrency': (n) => ({ concurrency: n }),
    '--time-limit': (n) => ({ timeLimitMs: n * 1000 }),
  };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--overload') {
      options.overload = true;
      i--;
      continue;
    }
    const option = names[argv[i] ?? ''];
    const value = Number(argv[i + 1]);
    if (!option || !Number.isInteger(value) || value < 1) {
      throw new Error(
        `usage: npm run load -- [--users N] [--concurrency C] [--time-limit SECONDS] [--overload] (got ${argv.join(' ')})`,
      );
    }
    Object.assign(options, option(value));
  }
  return options;
}

try {
  const options = { ...defaultLoadOptions, ...parseArguments(process.argv.slice(2)) };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(
    `load: ${options.users} users, ${options.concurrency} at a time, on dynalite (own process) and the SES emulator${options.overload ? ', overload faults injected' : ''}...`,
  );
  const report = await runLoad({ ...options, progress: log });
  process.stdout.write(formatReport(report));
  process.exit(report.ok ? 0 : 1);
} catch (error) {
  process.stderr.write(`load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
}
