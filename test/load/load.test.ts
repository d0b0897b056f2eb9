import { describe, expect, it } from 'vitest';
import { formatReport } from '../../scripts/load/report.js';
import { LOCKOUT_MAX_ATTEMPTS, runLoad } from '../../scripts/load/run.js';

/**
 * A short load run in CI (`npm run load` runs 200 users, 50 at a time): 30 users, 5 at a time
 * (few enough that no call nears Cognito's 5-second budget on a busy two-core machine),
 * through the real handlers on dynalite and the SES emulator. Every effect is counted against
 * what the run did, with retried triggers and wrong passwords among the users.
 */
describe('load run (30 users, 5 at a time)', () => {
  it('loses and duplicates no effect, and every flow reaches the store', { timeout: 120_000 }, async () => {
    const report = await runLoad({ users: 30, concurrency: 5, timeLimitMs: 100_000 });
    const text = formatReport(report);
    expect(report.failures, text).toEqual([]);
    expect(report.usersFinished, text).toBe(30);
    for (const check of report.effects) expect(check.ok, `${check.name}\n${text}`).toBe(true);
    const effect = (prefix: string) => report.effects.find((check) => check.name.startsWith(prefix))!;
    expect(effect('profiles').found).toBe(30);
    expect(effect('welcome mails').found).toBe(30);
    // 3 locked users (no sign-in), 3 recovering (one), 24 plain (two each).
    expect(effect('sign-in history').found).toBe(3 + 24 * 2);
    expect(effect('attempts counted in the table').found).toBe(3 * (LOCKOUT_MAX_ATTEMPTS + 1));
    expect(report.logs.secretsFound).toEqual([]);
    const flows = Object.fromEntries(report.roundTrips.map((row) => [row.flow, row]));
    // One SES call per confirmation, more only when a call timed out and was tried again.
    expect(flows.confirm?.sesPerRun).toBeGreaterThanOrEqual(1);
    expect(flows['confirm, 3 at once']?.sesPerRun).toBeGreaterThanOrEqual(1);
    expect(flows['sign-in']?.dynamoPerRun).toBeGreaterThan(0);
    expect(report.latency.map((row) => row.name)).toContain('authorizer');
  });
});
