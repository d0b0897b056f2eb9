import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalDynamo,
  type LocalSes,
  localEnvironment,
  startLocalDynamo,
  startLocalSes,
} from '../../scripts/local/emulators.js';

let dynamo: LocalDynamo;
let ses: LocalSes;

beforeAll(async () => {
  [dynamo, ses] = await Promise.all([startLocalDynamo(), startLocalSes()]);
  Object.assign(process.env, localEnvironment(dynamo, ses), { SES_FROM_ADDRESS: 'auth@gatehouse.test' });
});
afterAll(async () => Promise.all([dynamo?.stop(), ses?.stop()]));

describe('sendTemplatedEmail', () => {
  it('delivers through SES v2 to the emulator, with values escaped in HTML', async () => {
    const { sendTemplatedEmail } = await import('../../shared/mail/send.js');
    await sendTemplatedEmail({
      kind: 'welcome',
      to: 'jane@example.com',
      values: { name: '<img src=x onerror=alert(1)>' },
    });
    const [mail] = await ses.mails();
    expect(mail).toMatchObject({
      from: 'auth@gatehouse.test',
      destination: { to: ['jane@example.com'] },
      subject: 'Welcome',
    });
    expect(mail!.body.html).not.toContain('<img');
    expect(mail!.body.text).toContain('<img src=x onerror=alert(1)>');
  });
});
