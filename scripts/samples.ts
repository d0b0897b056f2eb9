/**
 * npm run samples: signs the authorizer samples' tokens and encrypts the custom sender samples'
 * codes again with the local sample keys (`events/local-keys.json`), so that `npm run invoke`
 * answers Allow, Deny or 401 as each authorizer sample is named and the senders send their
 * message. Run it after changing a key or a sample's claims.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { eventsFolder } from './local/sample-events.js';
import { encryptSampleCode, SAMPLE_CLIENT_ID, SAMPLE_ISSUER, signSampleToken } from './local/sample-keys.js';

/** The code every sender sample carries, encrypted. */
export const SAMPLE_CODE = '730291';
const SAMPLE_SUB = '4a6f3c1e-8d2b-4b8a-9f3e-2c1d0e9b7a65';
/** 2100-01-01: the samples' tokens do not expire (their key is trusted by local runs only). */
const FAR_FUTURE = 4_102_444_800;
const ISSUED_AT = 1_773_480_413;

/** What each authorizer sample shows, by the suffix of its name. */
export type AuthorizerOutcome = 'allow' | 'deny' | 'unauthorized';

export function authorizerOutcome(sampleName: string): AuthorizerOutcome {
  if (sampleName.endsWith('.deny')) return 'deny';
  if (sampleName.endsWith('.unauthorized')) return 'unauthorized';
  return 'allow';
}

/** An access token of the samples' pool: a reader (allow), a guest (deny), or one that expired. */
export function sampleToken(outcome: AuthorizerOutcome): string {
  return signSampleToken({
    sub: SAMPLE_SUB,
    'cognito:groups': outcome === 'deny' ? ['guests'] : ['readers'],
    iss: SAMPLE_ISSUER,
    client_id: SAMPLE_CLIENT_ID,
    origin_jti: `sample-origin-${outcome}`,
    event_id: `sample-event-${outcome}`,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: ISSUED_AT,
    iat: ISSUED_AT,
    exp: outcome === 'unauthorized' ? ISSUED_AT + 3600 : FAR_FUTURE,
    jti: `sample-${outcome}`,
    username: SAMPLE_SUB,
  });
}

/** Replaces every `Bearer …` string in the event (headers, identitySource, authorizationToken). */
function withToken(value: unknown, token: string): unknown {
  if (typeof value === 'string') return value.startsWith('Bearer ') ? `Bearer ${token}` : value;
  if (Array.isArray(value)) return value.map((item) => withToken(item, token));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withToken(item, token)]));
  }
  return value;
}

interface Sample {
  file: string;
  event: Record<string, unknown> & { request?: { code?: unknown }; userPoolId?: string };
}

function samplesOf(folder: string): Sample[] {
  const dir = join(eventsFolder, folder);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ file: join(dir, file), event: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));
}

const senderFolders = ['custom-email-sender', 'custom-sms-sender'];

async function regenerate(): Promise<string[]> {
  const written: Sample[] = [];
  for (const sample of samplesOf('authorizer')) {
    const name = sample.file
      .split('/')
      .pop()!
      .replace(/\.json$/, '');
    sample.event = withToken(sample.event, sampleToken(authorizerOutcome(name))) as Sample['event'];
    written.push(sample);
  }
  for (const sample of senderFolders.flatMap(samplesOf)) {
    if (typeof sample.event.request?.code !== 'string') continue;
    sample.event.request.code = await encryptSampleCode(SAMPLE_CODE, String(sample.event.userPoolId));
    written.push(sample);
  }
  for (const { file, event } of written) writeFileSync(file, `${JSON.stringify(event, null, 2)}\n`);
  return written.map(({ file }) => relative(process.cwd(), file));
}

async function main(args: string[]): Promise<number> {
  if (args.length > 0) {
    process.stderr.write(`samples: unexpected argument "${args[0]}"\nusage: npm run samples\n`);
    return 2;
  }
  const files = await regenerate();
  process.stderr.write(`samples: ${files.length} files signed or encrypted again:\n`);
  for (const file of files) process.stderr.write(`  ${file}\n`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`samples: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
