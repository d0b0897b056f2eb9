import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** `npm run invoke -- alb-sample <event>` as a user runs it: a real process, output piped (JSON). */
function invoke(event: string) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/invoke.ts', 'alb-sample', event], {
    encoding: 'utf8',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    timeout: 90_000,
  });
  return { code: run.status, report: JSON.parse(run.stdout || '{}'), stderr: run.stderr };
}

describe('npm run invoke -- alb-sample', () => {
  it('answers the allowed sample with who called (200)', { timeout: 120_000 }, () => {
    const run = invoke('allowed');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.report.response.statusCode).toBe(200);
    expect(JSON.parse(run.report.response.body)).toMatchObject({ username: 'ann', email: 'ann@example.com' });
  });

  // One refused sample here (each process costs seconds); every-function.test.ts runs them all in-process.
  it.each([['refused-forged', 'signature']])(
    'answers %s with a 401 (%s)',
    { timeout: 120_000 },
    (event, detail) => {
      const run = invoke(event);
      expect(run.report.response).toMatchObject({ statusCode: 401, body: '{"message":"Unauthorized"}' });
      // The report's logs are the function's JSON log lines, parsed.
      expect(run.report.logs).toContainEqual(
        expect.objectContaining({ message: 'unauthorized', ...(detail ? { detail } : {}) }),
      );
    },
  );
});
