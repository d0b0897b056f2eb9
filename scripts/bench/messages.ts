/**
 * The message layer: how long rendering one message costs (every part, escaped, in the layout),
 * the custom message trigger's whole answer, and decrypting a sender code with the Encryption SDK.
 * Then what the Encryption SDK costs a sender bundle: minified size and cold import, measured on
 * bundles built here with the same esbuild options as serverless.yml.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { build } from 'esbuild';
import { loadSettings } from '../../shared/config/settings.js';
import type { CustomMessageEvent } from '../../shared/events/messages.js';
import { customMessageResponse } from '../../shared/mail/custom-message.js';
import { renderMessage } from '../../shared/mail/render.js';
import { mailSettingSpecs } from '../../shared/mail/settings.js';
import { codeDecrypter } from '../../shared/senders/decrypt.js';
import { findSampleEvent } from '../local/sample-events.js';
import { measure, measureAsync, printTable } from './measure.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const load = (name: string) =>
  JSON.parse(readFileSync(findSampleEvent(name)!.path, 'utf8')) as CustomMessageEvent;
const signUp = load('CustomMessage_SignUp');
const invitation = load('CustomMessage_AdminCreateUser');
invitation.request.userAttributes.locale = 'pt-BR';
const smsOnly = loadSettings(mailSettingSpecs, { env: {}, file: {} });
const viaSes = loadSettings(mailSettingSpecs, {
  env: { COGNITO_EMAIL_SENDING_ACCOUNT: 'DEVELOPER' },
  file: {},
});
const branding = {
  product: 'Acme',
  brandColor: '#1f4fd1',
  backgroundColor: '#f3f4f6',
  supportAddress: 'help@acme.test',
};
const takeover = {
  name: 'Jane',
  device: 'Chrome 124, Windows 10',
  location: 'Lagos, Nigeria',
  ip: '198.51.100.77',
  time: '2026-03-14T09:26:53Z',
  blocked: 'yes',
  linkValid: 'https://auth.example.com/feedback?token=T&valid=true',
  linkInvalid: 'https://auth.example.com/feedback?token=T&valid=false',
};

console.log('rendering (one message, every part: subject, HTML in the layout, text, SMS)');
printTable([
  measure('baseline: structuredClone(custom message event)', () => structuredClone(signUp)),
  measure('render sign-up-code, en', () =>
    renderMessage('sign-up-code', { values: { code: '{####}', name: 'Jane' }, branding }),
  ),
  measure('render account-takeover, pt-BR', () =>
    renderMessage('account-takeover', { locale: 'pt-BR', values: takeover, branding }),
  ),
  measure('custom message SignUp, SMS only', () => customMessageResponse(structuredClone(signUp), smsOnly)),
  measure('custom message AdminCreateUser pt-BR, email+SMS', () =>
    customMessageResponse(structuredClone(invitation), viaSes),
  ),
]);

const keyring = new RawAesKeyringNode({
  keyNamespace: 'bench',
  keyName: 'aes',
  unencryptedMasterKey: new Uint8Array(32).fill(7),
  wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
});
const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const encrypted = (await encrypt(keyring, '493817')).result.toString('base64');
const decrypt = codeDecrypter(keyring);
console.log(
  '\nsender code decryption (Encryption SDK, raw AES keyring: the KMS call itself is not included)',
);
printTable([
  await measureAsync('baseline: Promise.resolve()', () => Promise.resolve()),
  await measureAsync('decrypt a Cognito-shaped code', () => decrypt(encrypted)),
]);

// ---- bundle size and cold import -------------------------------------------------------------
const out = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
const entries: Record<string, { entry?: string; contents?: string }> = {
  'custom-message (no Encryption SDK)': { entry: 'functions/custom-message.ts' },
  'custom-sms-sender': { entry: 'functions/custom-sms-sender.ts' },
  'custom-email-sender': { entry: 'functions/custom-email-sender.ts' },
  'decrypt only, as shared/senders/decrypt.ts': { entry: 'shared/senders/decrypt.ts' },
  'decrypt only, via @aws-crypto/client-node': {
    contents: `import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
export const d = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT).decrypt;
export const k = (arn) => new KmsKeyringNode({ keyIds: [arn] });`,
  },
  'decrypt only, via decrypt-node + kms-keyring-node (chosen)': {
    contents: `import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { KmsKeyringNode } from '@aws-crypto/kms-keyring-node';
import { CommitmentPolicy } from '@aws-crypto/material-management-node';
export const d = buildDecrypt(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
export const k = (arn) => new KmsKeyringNode({ keyIds: [arn] });`,
  },
};
const banner = "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);";
console.log('\nbundles (esbuild, minified ESM, node22, as serverless.yml builds them)');
console.log(`${'bundle'.padEnd(60)}  ${'KB'.padStart(8)}  ${'cold import ms (median of 5)'.padStart(28)}`);
for (const [name, { entry, contents }] of Object.entries(entries)) {
  const outfile = join(out, `${name.replace(/\W+/g, '-')}.mjs`);
  await build({
    ...(entry
      ? { entryPoints: [join(repoRoot, entry)] }
      : { stdin: { contents: contents ?? '', resolveDir: repoRoot, loader: 'ts' as const } }),
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: banner },
    logLevel: 'silent',
  });
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const script = `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, AWS_REGION: 'us-east-1', AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1' },
    });
    times.push(Number.parseFloat(run.stdout.trim().split('\n').at(-1) ?? 'NaN'));
  }
  times.sort((a, b) => a - b);
  const kb = (statSync(outfile).size / 1024).toFixed(1);
  console.log(`${name.padEnd(60)}  ${kb.padStart(8)}  ${times[2]!.toFixed(1).padStart(28)}`);
}
writeFileSync(join(out, '.done'), '');
rmSync(out, { recursive: true, force: true });
