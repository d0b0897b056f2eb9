import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEventFits, loadEvent, parseArguments, UsageError } from '../../scripts/local/invoke-args.js';
import { authorizerOutcome, SAMPLE_CODE } from '../../scripts/samples.js';
import { listSampleEvents } from '../support/events.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The invoke CLI as a user runs it: `npm run -s invoke -- …`, output piped (so JSON). */
function invoke(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '-s', 'invoke', '--', ...args],
      {
        encoding: 'utf8',
        env: { ...process.env, ...env },
        timeout: 120_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-invoke-'));
const malformedFile = join(scratch, 'broken.json');
writeFileSync(malformedFile, '{"version": "1", "triggerSource": ');

/** What the CLI makes of a command line, in-process: the UsageError it would print (or nothing). */
function mistakeOf(args: string[]): string | undefined {
  try {
    const parsed = parseArguments(args);
    checkEventFits(parsed.functionName, loadEvent(parsed));
    return undefined;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return error.message;
  }
}

const mistakes: [string, string[], string][] = [
  [
    'an unknown function',
    ['no-such-function'],
    'unknown function "no-such-function"; valid names: pre-sign-up, ',
  ],
  [
    'a missing file',
    ['pre-sign-up', 'events/pre-sign-up/Nope.json'],
    'no event file at "events/pre-sign-up/Nope.json"',
  ],
  [
    'an unknown sample',
    ['pre-sign-up', 'PreSignUp_Nope'],
    'no sample event "PreSignUp_Nope" for pre-sign-up; samples: ',
  ],
  ['a mistyped flag', ['pre-sign-up', 'PreSignUp_SignUp', '--sett', 'a=b'], 'unknown option "--sett"'],
  ['an extra argument', ['pre-sign-up', 'PreSignUp_SignUp', 'extra'], 'unexpected argument "extra"'],
  [
    '--set without =',
    ['pre-sign-up', 'PreSignUp_SignUp', '--set', 'nothing'],
    '--set wants path=value, got "nothing"',
  ],
  [
    '--set on a path the event does not have',
    ['pre-sign-up', 'PreSignUp_SignUp', '--set', 'request.userAtributes.email=x'],
    '--set request.userAtributes.email: the event has no request.userAtributes (there: userAttributes, validationData, clientMetadata)',
  ],
  [
    '--set of a field under a string',
    ['pre-sign-up', 'PreSignUp_SignUp', '--set', 'userName.first=x'],
    '--set userName.first: userName is string, not an object',
  ],
  [
    'a field of the wrong type',
    ['pre-sign-up', 'PreSignUp_SignUp', '--set', 'request.userAttributes=5'],
    'request.userAttributes: expected Object, got number',
  ],
  ['a malformed JSON file', ['pre-sign-up', malformedFile], `${malformedFile} is not valid JSON: `],
  [
    'an event of another trigger',
    ['custom-email-sender', 'events/pre-sign-up/PreSignUp_SignUp.json'],
    'custom-email-sender takes CustomEmailSender_* events; events/pre-sign-up/PreSignUp_SignUp.json is a PreSignUp_SignUp event (for pre-sign-up)',
  ],
  [
    'an authorizer event given to a Cognito function',
    ['pre-sign-up', 'events/authorizer/http-v2.json'],
    'pre-sign-up takes PreSignUp_* events; events/authorizer/http-v2.json is an API Gateway authorizer event (for authorizer)',
  ],
  [
    'a Cognito event given to the authorizer',
    ['authorizer', 'events/pre-sign-up/PreSignUp_SignUp.json'],
    'authorizer takes API Gateway authorizer events (type TOKEN or REQUEST); events/pre-sign-up/PreSignUp_SignUp.json is a PreSignUp_SignUp event',
  ],
];

describe("invoke: a newcomer's mistakes each get one clear line", () => {
  it.each(mistakes)('%s', (_, args, message) => {
    const mistake = mistakeOf(args);
    expect(mistake).toContain(message);
    expect(mistake?.split('\n')).toHaveLength(1);
  });

  it('takes a correct command', () => {
    expect(
      mistakeOf(['pre-sign-up', 'PreSignUp_SignUp', '--set', 'request.userAttributes.locale=pt', '--json']),
    ).toBeUndefined();
  });
});

describe('npm run -s invoke: a mistake exits 2 with one line on stderr, nothing on stdout', {
  timeout: 180_000,
}, () => {
  it.concurrent.each([mistakes[3]!, mistakes[11]!])('%s', async (_, args, message) => {
    const run = await invoke(args);
    expect(run.stderr).toContain(`invoke: ${message}`);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});

describe('npm run -s invoke: the samples do what they show', { timeout: 180_000 }, () => {
  const authorizerSamples = listSampleEvents()
    .filter((sample) => sample.functionName === 'authorizer')
    .map((sample) => [sample.name, authorizerOutcome(sample.name)] as const);

  it('has an Allow, a Deny and a 401 sample', () => {
    expect(new Set(authorizerSamples.map(([, outcome]) => outcome))).toEqual(
      new Set(['allow', 'deny', 'unauthorized']),
    );
  });

  it.concurrent.each(authorizerSamples)('authorizer %s answers %s', async (name, outcome) => {
    const run = await invoke(['authorizer', name]);
    const report = JSON.parse(run.stdout);
    if (outcome === 'unauthorized') {
      expect(report.error).toEqual({ name: 'UserFacingError', message: 'Unauthorized' });
      expect(run.code).toBe(1);
      return;
    }
    expect(run.code).toBe(0);
    const effect = report.response.policyDocument?.Statement?.[0]?.Effect;
    expect(effect).toBe(outcome === 'allow' ? 'Allow' : 'Deny');
  });

  it.concurrent('custom-email-sender sends the sign-up mail with the decrypted code', async () => {
    const run = await invoke(['custom-email-sender', 'CustomEmailSender_SignUp']);
    const report = JSON.parse(run.stdout);
    expect(run.code).toBe(0);
    expect(report.mails).toHaveLength(1);
    expect(report.mails[0].destination.to).toEqual(['jane.doe@example.com']);
    expect(report.mails[0].body.text).toContain(SAMPLE_CODE);
  });

  it.concurrent('custom-sms-sender sends the text with the decrypted code', async () => {
    const run = await invoke(['custom-sms-sender', 'CustomSMSSender_ForgotPassword']);
    const report = JSON.parse(run.stdout);
    expect(run.code).toBe(0);
    expect(report.texts).toEqual([
      expect.objectContaining({ phoneNumber: '+14155550100', message: expect.stringContaining(SAMPLE_CODE) }),
    ]);
  });

  it.concurrent('the account-takeover mail finds its user in the local pool', async () => {
    const run = await invoke(['custom-email-sender', 'CustomEmailSender_AccountTakeOverNotification']);
    const report = JSON.parse(run.stdout);
    expect(run.code).toBe(0);
    expect(report.mails.map((mail: { destination: { to: string[] } }) => mail.destination.to)).toEqual([
      ['jane.doe@example.com'],
    ]);
    expect(run.stderr).toContain('starting cognito-local');
  });

  it.concurrent('puts warnings in the logs of the result, and runs on a sample with --set', async () => {
    const run = await invoke([
      'custom-email-sender',
      'CustomEmailSender_SignUp',
      '--set',
      'request.code=bm90IGEgbWVzc2FnZQ==',
    ]);
    const report = JSON.parse(run.stdout);
    expect(report.mails).toEqual([]);
    expect(report.logs).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'message not sent',
        reason: 'code could not be decrypted',
      }),
    );
  });
});
