import { describe, expect, it } from 'vitest';
import { formatReport } from '../../scripts/load/report.js';
import { LOCKOUT_MAX_ATTEMPTS, runLoad } from '../../scripts/load/run.js';

/**
 * A short load run in CI (`npm run load` runs 200 users, 50 at a time): 30 users, 5 at a time
 * (few enough that no call nears Cognito's 5-second budget on a busy two-core machine),
 * through the real handlers on dynalite and the SES emulator, in the deterministic overload mode:
 * users 3, 13 and 23 have their welcome mail accepted by SES and answered after Cognito's 5 s (so
 * Cognito sends the event again), 5, 15 and 25 their first mail throttled, 7, 17 and 27 their
 * group call hung past the deadline. Every effect is counted against what the run did, after the
 * final sweep of the onboarding outbox, with retried triggers and wrong passwords among the users.
 */
describe('load run (30 users, 5 at a time, overload faults injected)', () => {
  it('loses and duplicates no effect, and every flow reaches the store', { timeout: 120_000 }, async () => {
    const report = await runLoad({ users: 30, concurrency: 5, timeLimitMs: 100_000, overload: true });
    const text = formatReport(report);
    expect(report.failures, text).toEqual([]);
    expect(report.usersFinished, text).toBe(30);
    for (const check of report.effects) expect(check.ok, `${check.name}\n${text}`).toBe(true);
    const effect = (prefix: string) => report.effects.find((check) => check.name.startsWith(prefix))!;
    expect(effect('profiles').found).toBe(30);
    expect(report.injected).toEqual({ stalled: 3, throttled: 3, slowGroups: 3 });
    // Each stalled user's mail: accepted once, its outcome unknown to the retry, never resent.
    const unknown = effect('welcome mails of unknown outcome');
    expect(unknown.found).toBeGreaterThanOrEqual(3);
    expect(effect('welcome mails (1 per user)').found + unknown.found).toBe(30);
    // Cognito sent each stalled user's event again (its first answer came after 5 s).
    expect(report.retries['post-confirmation']).toBeGreaterThanOrEqual(3);
    expect(effect('group memberships').found).toBe(30);
    expect(effect('onboarding effects left pending').found).toBe(0);
    // The throttled mails and hung groups at least were left to the sweeper, which settled them.
    expect(report.sweep.settled).toBeGreaterThanOrEqual(6);
    // 3 locked users (no sign-in), 3 recovering (one), 24 plain (two each).
    expect(effect('sign-in history').found).toBe(3 + 24 * 2);
    expect(effect('attempts counted in the table').found).toBe(3 * (LOCKOUT_MAX_ATTEMPTS + 1));
    expect(report.logs.secretsFound).toEqual([]);
    const flows = Object.fromEntries(report.roundTrips.map((row) => [row.flow, row]));
    // Mails leave at confirmation when the invocation has a whole SES attempt left (on a busy
    // machine some do not: they are deferred), the throttled and deferred ones from the final sweep.
    expect(flows.confirm?.sesPerRun).toBeGreaterThan(0);
    const sweep = flows['final sweep']!;
    expect(sweep.sesPerRun * sweep.runs).toBeGreaterThanOrEqual(3);
    expect(flows['sign-in']?.dynamoPerRun).toBeGreaterThan(0);
    expect(report.latency.map((row) => row.name)).toContain('authorizer');
  });
});
