import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdminAddUserToGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseOnboardingArgs, runOnboardingCli } from '../../scripts/onboarding.js';
import { repoRoot } from '../../scripts/package.js';
import type { CognitoSender } from '../../shared/aws/cognito.js';
import { loadSettings } from '../../shared/config/settings.js';
import type { PostConfirmationEvent } from '../../shared/events/index.js';
import { onboardingSettingSpecs } from '../../shared/onboarding/settings.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';
import { captureOutput } from '../support/logs.js';

/**
 * The operator's resend of a welcome mail the outbox closed (issue 13's at-most-once welcome):
 * `npm run onboarding -- closed-welcomes` lists the users, `resend-welcome <user>` queues one
 * resend that the sweeper sends, once. Against dynalite and the SES emulator; SES is made to lose
 * its answer (a reset after it accepted the mail) only where a case says so.
 */
const local = useLocalEmulators({ SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let onboarding: typeof import('../../shared/onboarding/index.js');
let mailClient: typeof import('../../shared/mail/ses.js');

beforeAll(async () => {
  onboarding = await import('../../shared/onboarding/index.js');
  mailClient = await import('../../shared/mail/ses.js');
});
beforeEach(async () => local.ses.clear());
afterEach(() => vi.restoreAllMocks());

const groups = {
  send: async (command: unknown) => {
    if (!(command instanceof AdminAddUserToGroupCommand)) throw new Error('unexpected command');
    return {};
  },
} as unknown as CognitoSender;
const settings = loadSettings(onboardingSettingSpecs, { env: {}, file: {} });
const deps = (aheadMs = 0) =>
  onboarding.sweeperDependencies({ settings, cognito: () => groups, now: () => Date.now() + aheadMs });

let users = 0;
function signUp() {
  const event = sampleEvent<PostConfirmationEvent>('PostConfirmation_ConfirmSignUp');
  const id = `resend-${++users}-${Math.random().toString(36).slice(2, 8)}`;
  event.userName = `name-${id}`;
  event.request.userAttributes.sub = id;
  event.request.userAttributes.email = `${id}@example.com`;
  event.request.userAttributes.given_name = 'Ana';
  return { event, sub: id, userName: event.userName, email: `${id}@example.com` };
}

/** SES accepts the next welcome and the connection is reset before its answer: outcome unknown. */
function acceptThenReset() {
  const client = mailClient.sesClient({ singleAttempt: true });
  const real = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  vi.spyOn(client, 'send').mockImplementationOnce((async (command: unknown) => {
    await real(command);
    throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  }) as never);
}

/** A sign-up whose welcome SES accepted but whose answer was lost: closed, listed, one mail out. */
async function closedWelcome() {
  const user = signUp();
  acceptThenReset();
  await captureOutput(() => onboarding.postConfirmation(structuredClone(user.event), deps()));
  return user;
}

const mailsTo = async (address: string) =>
  (await local.ses.mails()).filter((mail) => mail.destination.to.includes(address));
const sweep = () => captureOutput(() => onboarding.sweepOutbox(deps(60_000)));

/** The CLI against this file's dynalite: its exit code and what it printed and logged. */
async function cli(...args: string[]) {
  const lines: string[] = [];
  const run = await captureOutput(() =>
    runOnboardingCli(
      [...args, '--table', process.env.TABLE_NAME!, '--endpoint', local.dynamo.endpoint],
      (line) => lines.push(line),
    ),
  );
  return { code: run.result, printed: lines.join('\n'), logged: run.output };
}

describe('npm run onboarding -- closed-welcomes / resend-welcome', () => {
  it('lists a user whose welcome was closed as outcome-unknown (never the address), and resends it once on request', async () => {
    const user = await closedWelcome();
    expect(await mailsTo(user.email)).toHaveLength(1);
    // The outbox never resends it by itself.
    await sweep();
    expect(await mailsTo(user.email)).toHaveLength(1);

    const listed = await cli('closed-welcomes');
    expect(listed.code).toBe(0);
    expect(listed.printed).toMatch(
      new RegExp(`${user.sub}\\t${user.userName}\\tclosed \\S+ \\(outcome-unknown\\)\\tnot resent`),
    );
    expect(listed.printed).not.toContain(user.email);

    const queued = await cli('resend-welcome', user.userName);
    expect(queued).toMatchObject({ code: 0 });
    expect(queued.printed).toContain(`welcome mail of ${user.sub} queued`);
    expect(queued.logged).toContain('welcome mail resend queued');
    expect(`${queued.printed}${queued.logged}`).not.toContain(user.email);
    const swept = await sweep();
    const mails = await mailsTo(user.email);
    expect(mails).toHaveLength(2);
    expect(mails[1]?.subject).toBe(mails[0]?.subject);
    expect(mails[1]?.body.text).toContain('Ana');
    expect(swept.output).not.toContain(user.email);
    expect((await cli('closed-welcomes')).printed).toMatch(new RegExp(`${user.sub}\\t.*\\tresent \\S+`));
  });

  it('a second run sends nothing (resent, or still queued); --force sends it again, once', async () => {
    const user = await closedWelcome();
    expect((await cli('resend-welcome', user.sub)).code).toBe(0);
    const again = await cli('resend-welcome', user.sub);
    expect(again).toMatchObject({ code: 3 });
    expect(again.printed).toContain('resend queued');
    await sweep();
    await sweep();
    expect(await mailsTo(user.email)).toHaveLength(2);
    const resent = await cli('resend-welcome', user.userName);
    expect(resent.code).toBe(3);
    expect(resent.printed).toMatch(/resent \S+ \(--force sends it again\)/);
    await sweep();
    expect(await mailsTo(user.email)).toHaveLength(2);

    expect((await cli('resend-welcome', user.userName, '--force')).code).toBe(0);
    await sweep();
    await sweep();
    expect(await mailsTo(user.email)).toHaveLength(3);
  });

  it('attack: concurrent requests queue one resend, and one mail leaves', async () => {
    const user = await closedWelcome();
    const codes = await Promise.all([1, 2, 3, 4].map(() => cli('resend-welcome', user.userName)));
    expect(codes.map((run) => run.code).sort()).toEqual([0, 3, 3, 3]);
    await Promise.all([sweep(), sweep()]);
    expect(await mailsTo(user.email)).toHaveLength(2);
  });

  it('a resend whose own outcome is unknown is closed too, not sent again without --force', async () => {
    const user = await closedWelcome();
    await cli('resend-welcome', user.sub);
    acceptThenReset();
    await sweep();
    expect(await mailsTo(user.email)).toHaveLength(2);
    const again = await cli('resend-welcome', user.sub);
    expect(again.code).toBe(3);
    expect(again.printed).toContain('resend closed (outcome-unknown) (--force sends it again)');
    await sweep();
    expect(await mailsTo(user.email)).toHaveLength(2);
  });

  it('refuses a user whose welcome was sent, one the outbox still runs, and an unknown one: nothing queued, nothing sent', async () => {
    const sent = signUp();
    await captureOutput(() => onboarding.postConfirmation(structuredClone(sent.event), deps()));
    expect(await mailsTo(sent.email)).toHaveLength(1);
    const refused = await cli('resend-welcome', sent.userName);
    expect(refused.code).toBe(3);
    expect(refused.printed).toContain('no closed welcome is listed under that username');
    const bySub = await cli('resend-welcome', sent.sub);
    expect(bySub.printed).toContain('its welcome mail was sent');
    expect((await cli('resend-welcome', 'nobody-at-all')).printed).toContain('no user has that sub');
    await sweep();
    expect(await mailsTo(sent.email)).toHaveLength(1);
  });

  it.each([
    [[], 'give a command'],
    [['resend-welcome'], 'resend-welcome needs the username or sub'],
    [['resend-welcome', 'a', 'b'], 'one user at a time'],
    [['resend-welcome', 'two words'], 'not a username or sub'],
    [['closed-welcomes', '--force'], '--force goes with resend-welcome'],
    [['send-everything'], 'unknown command "send-everything"'],
  ])('a wrong command line names what is wrong: %j', (args, message) => {
    expect(() => parseOnboardingArgs([...args, '--table', 't'])).toThrow(message);
  });

  it('a command line without its table, or with both targets, is refused', () => {
    expect(() => parseOnboardingArgs(['closed-welcomes'])).toThrow('exactly one of --stage');
    expect(() => parseOnboardingArgs(['closed-welcomes', '--stage', 'dev', '--table', 't'])).toThrow(
      'exactly one of --stage',
    );
    expect(() =>
      parseOnboardingArgs(['closed-welcomes', '--stage', 'dev', '--endpoint', 'http://x']),
    ).toThrow('--endpoint goes with --table');
  });

  it('README "Operate" shows command lines the script accepts: the list, a resend and a forced one', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const lines = [...readme.matchAll(/^npm run onboarding -- (.+?)(?:\s+#.*)?$/gm)].map((m) =>
      m[1]!.split(/\s+/),
    );
    const commands = lines.map((args) => parseOnboardingArgs(args));
    expect(commands.map((c) => c.action)).toEqual(
      expect.arrayContaining(['closed-welcomes', 'resend-welcome']),
    );
    expect(commands.some((c) => c.action === 'resend-welcome' && c.force)).toBe(true);
  });
});
