import { beforeEach, describe, expect, it } from 'vitest';
import { useLocalEmulators } from '../support/emulators.js';

const local = useLocalEmulators({
  SES_FROM_ADDRESS: 'auth@gatehouse.test',
  MAIL_PRODUCT_NAME: 'Acme',
  MAIL_SUPPORT_ADDRESS: 'help@acme.test',
});

beforeEach(async () => local.ses.clear());

describe('sendTemplatedEmail', () => {
  it('delivers through SES v2 to the emulator, with values escaped in HTML', async () => {
    const { sendTemplatedEmail } = await import('../../shared/mail/send.js');
    await sendTemplatedEmail({
      kind: 'welcome',
      to: 'jane@example.com',
      values: { name: '<img src=x onerror=alert(1)>' },
    });
    const [mail] = await local.ses.mails();
    expect(mail).toMatchObject({
      from: 'auth@gatehouse.test',
      destination: { to: ['jane@example.com'] },
      subject: 'Welcome to Acme',
    });
    expect(mail!.body.html).not.toContain('<img');
    expect(mail!.body.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(mail!.body.text).toContain('<img src=x onerror=alert(1)>');
  });

  it.each([
    ['sign-up-code', 'en', 'Your Acme verification code', 'Use this code to confirm your address: 123456'],
    [
      'forgot-password',
      'pt-BR',
      'Redefina sua senha de Acme',
      'Use este código para escolher uma nova senha: 123456',
    ],
    [
      'authentication-code',
      'es-MX',
      'Tu código de inicio de sesión de Acme',
      'Tu código de inicio de sesión: 123456',
    ],
    ['new-device', 'pt', 'Novo acesso à sua conta em Acme', 'Dispositivo: Firefox on Linux'],
    [
      'password-changed',
      'fr',
      'Your Acme password was changed',
      'The password of your Acme account was changed',
    ],
  ] as const)('%s in %s arrives with its subject, HTML and text', async (kind, locale, subject, line) => {
    const { sendTemplatedEmail } = await import('../../shared/mail/send.js');
    const id = await sendTemplatedEmail({
      kind,
      to: 'jane@example.com',
      locale,
      values: { code: '123456', name: 'Jane', device: 'Firefox on Linux' },
    });
    expect(id).toBeTruthy();
    const [mail] = await local.ses.mails();
    expect(mail!.subject).toBe(subject);
    expect(mail!.body.text).toContain(line);
    expect(mail!.body.html).toContain('<!DOCTYPE html>');
    expect(mail!.body.html).toContain('help@acme.test');
    expect(mail!.body.html).toContain(line.split(': ')[0]);
  });
});
