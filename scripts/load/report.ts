import type { LoadReport } from './run.js';

/** The load run's report as text: latency per function, round trips per flow, effects, logs. */
export function formatReport(report: LoadReport): string {
  const lines: string[] = [];
  const { options } = report;
  lines.push(
    `\nload run: ${report.usersFinished}/${options.users} users finished (${report.usersStarted} started), ` +
      `concurrency ${options.concurrency}, ${(report.durationMs / 1000).toFixed(1)} s`,
  );
  lines.push(
    '\nhandler time per function (handlers in this process; dynalite in its own, SES emulator on loopback)',
  );
  lines.push(
    `${'function'.padEnd(22)} ${'calls'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`,
  );
  for (const row of report.latency) {
    lines.push(
      `${row.name.padEnd(22)} ${String(row.calls).padStart(6)} ${row.p50Ms.toFixed(1).padStart(8)} ${row.p99Ms.toFixed(1).padStart(8)}`,
    );
  }
  lines.push('\nstore round trips per flow (HTTP requests counted at the socket, retries included)');
  lines.push(
    `${'flow'.padEnd(30)} ${'runs'.padStart(6)} ${'DynamoDB/run'.padStart(13)} ${'SES/run'.padStart(8)}  DynamoDB operations per run`,
  );
  for (const row of report.roundTrips) {
    lines.push(
      `${row.flow.padEnd(30)} ${String(row.runs).padStart(6)} ${row.dynamoPerRun.toFixed(2).padStart(13)} ${row.sesPerRun.toFixed(2).padStart(8)}  ${row.operations}`,
    );
  }
  lines.push(
    '\neffects of the users who finished (expected = what the run did; found = counted in the table and the mailbox)',
  );
  for (const check of report.effects) {
    lines.push(
      `${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: expected ${check.expected}, found ${check.found}`,
    );
    for (const problem of check.problems) lines.push(`       ${problem}`);
  }
  const retried = Object.entries(report.retries);
  lines.push(
    retried.length
      ? `\ncalls tried again after failing without an answer (the 5 s budget ran out under load): ${retried
          .map(([name, n]) => `${name} ${n}`)
          .join(', ')}`
      : '\nno call failed without an answer (no retry)',
  );
  lines.push(
    `\nfinal sweep of the onboarding outbox: ${report.sweep.entries} entries (${report.sweep.settled} settled) in ${report.sweep.passes} pass(es), ${report.sweep.ms.toFixed(0)} ms`,
  );
  if (report.options.overload) {
    const { stalled, throttled, slowGroups } = report.injected;
    lines.push(
      `overload faults injected: ${stalled} welcome mails accepted by SES and answered after 5 s, ${throttled} throttled, ${slowGroups} group calls past the deadline`,
    );
  }
  const levels = Object.entries(report.logs.byLevel)
    .map(([level, n]) => `${level} ${n}`)
    .join(', ');
  lines.push(
    `\nfunction logs: ${levels || 'none'}; issued tokens found in them: ${report.logs.secretsFound.length}`,
  );
  for (const line of report.logs.errors.slice(0, retried.length ? 3 : 20))
    lines.push(`  ${line.slice(0, 300)}`);
  for (const failure of report.failures.slice(0, 10)) lines.push(`FAIL ${failure}`);
  if (report.failures.length > 10) lines.push(`... and ${report.failures.length - 10} more failures`);
  lines.push(report.ok ? '\nno effect lost or duplicated.' : '\nLOAD RUN FAILED (see above).');
  return `${lines.join('\n')}\n`;
}
