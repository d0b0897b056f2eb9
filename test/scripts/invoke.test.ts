import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** The invoke CLI as a user runs it: a real process, output piped (so JSON). */
function invoke(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/invoke.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

// Each case starts a real process with the local emulators: seconds alone, far more on a busy machine.
describe('npm run invoke', { timeout: 90_000 }, () => {
  it('runs a function on a sample event by triggerSource, with --set, and prints JSON when piped', () => {
    const run = invoke(
      'pre-token-generation',
      'TokenGeneration_Authentication.V3_0',
      '--set',
      'request.userAttributes.locale=pt-BR',
    );
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      function: 'pre-token-generation',
      triggerSource: 'TokenGeneration_Authentication',
    });
    expect(report.response.request.userAttributes.locale).toBe('pt-BR');
    expect(report.items).toBeInstanceOf(Array);
    expect(report.mails).toBeInstanceOf(Array);
    expect(run.code).toBe(0);
  });

  it('runs a function on an event file', () => {
    const run = invoke('authorizer', 'events/authorizer/http-v2.json');
    // The sample's placeholder token is no JWT: the authorizer's 401.
    expect(JSON.parse(run.stdout).error.message).toBe('Unauthorized');
  });

  it.each([
    [['no-such-function'], 'unknown function "no-such-function"; valid names: pre-sign-up, '],
    [['pre-sign-up', 'events/pre-sign-up/Nope.json'], 'no event file at "events/pre-sign-up/Nope.json"'],
    [['pre-sign-up', 'PreSignUp_Nope'], 'no sample event "PreSignUp_Nope" for pre-sign-up; samples: '],
    [
      ['pre-sign-up', 'PreSignUp_SignUp', '--set', 'request.userAttributes=5'],
      'request.userAttributes: expected Object, got number',
    ],
    [['pre-sign-up', 'PreSignUp_SignUp', '--set', 'nothing'], '--set wants path=value, got "nothing"'],
  ])('fails clearly and non-zero: %j', (args, message) => {
    const run = invoke(...args);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });
});
