/**
 * npm run demo:lifecycle
 *
 * The account-lifecycle policies that need stored state to show themselves (legacy users,
 * invites, counters), played through the real function handlers on the embedded local stack:
 * each line is one invocation of a sample event with the change it names.
 */
import { readFileSync } from 'node:fs';
import { invokeLocally, startLocalStack } from '../local/run.js';
import { findSampleEvent } from '../local/sample-events.js';
import { legacyHash } from './legacy-hashes.js';

// Settings are read once per process, at first use: set them before any function loads.
Object.assign(process.env, {
  SIGNUP_INVITE_ONLY: 'true',
  SIGNUP_MAX_PER_IP: '3',
  MIGRATION_BREACHED_PASSWORD_ACTION: 'reset',
});

type Change = (event: any) => void;
const sample = (name: string, change: Change = () => {}) => {
  const event = JSON.parse(readFileSync(findSampleEvent(name)!.path, 'utf8'));
  change(event);
  return event;
};

const stack = await startLocalStack();
const { putLegacyUser } = await import('../../shared/migration/stores.js');
const { createInvite } = await import('../../shared/sign-up/invites.js');
const { signUpSettings } = await import('../../shared/sign-up/settings.js');
const PASSWORD = 'Corr3ct-Horse-Battery!';
const fields = (email: string) => ({ email, emailVerified: true, givenName: 'Jane' });
for (const algorithm of ['bcrypt', 'argon2id', 'scrypt', 'pbkdf2-sha256'] as const) {
  await putLegacyUser(
    `${algorithm}@example.com`,
    await legacyHash(algorithm, PASSWORD, 'production'),
    fields(`${algorithm.toUpperCase()}@Example.com`),
  );
}
// Production costs: the default timing hash is bcrypt cost 10, like these bcrypt users.
await putLegacyUser(
  'weak@example.com',
  await legacyHash('bcrypt', 'password1', 'production'),
  fields('weak@example.com'),
);
// A generated code (130 bits): hand-made codes below SIGNUP_INVITE_MIN_ENTROPY_BITS are refused.
const invite = await createInvite(
  { email: 'jane.doe@example.com', expiresAt: Math.floor(Date.now() / 1000) + 3600 },
  signUpSettings(),
);

const signUp = (email: string, extra: Record<string, string> = {}, ip = '198.51.100.7') =>
  sample('PreSignUp_SignUp', (e) => {
    e.request.userAttributes.email = email;
    e.request.validationData = { ip, ...extra };
  });
const migrate = (userName: string, password?: string) =>
  sample(password ? 'UserMigration_Authentication' : 'UserMigration_ForgotPassword', (e) => {
    e.userName = userName;
    if (password) e.request.password = password;
  });

const steps: Array<[string, string, unknown]> = [
  ['pre-sign-up', 'self sign-up without an invite code', signUp('jane.doe@example.com')],
  ['pre-sign-up', 'the invite for another address', signUp('john@example.com', { inviteCode: invite })],
  ['pre-sign-up', 'the invite for its address', signUp('jane.doe@example.com', { inviteCode: invite })],
  ['pre-sign-up', 'the invite again', signUp('jane.doe@example.com', { inviteCode: invite }, '198.51.100.8')],
  ['pre-sign-up', 'fourth sign-up from one IP (limit 3)', signUp('jim@example.com', { inviteCode: 'X' })],
  [
    'pre-sign-up',
    "a legacy user's address, not migrated yet",
    signUp('bcrypt@example.com', { inviteCode: invite }, '198.51.100.9'),
  ],
  ['pre-sign-up', 'disposable address', signUp('jane@mailinator.com')],
  [
    'pre-sign-up',
    'phone not in E.164',
    sample('PreSignUp_AdminCreateUser', (e) => {
      e.request.userAttributes.phone_number = '415 555 0100';
    }),
  ],
  ['migrate-user', 'bcrypt user, right password', migrate('bcrypt@example.com', PASSWORD)],
  ['migrate-user', 'argon2id user, right password', migrate('argon2id@example.com', PASSWORD)],
  ['migrate-user', 'scrypt user, right password', migrate('scrypt@example.com', PASSWORD)],
  ['migrate-user', 'PBKDF2-SHA256 user, right password', migrate('pbkdf2-sha256@example.com', PASSWORD)],
  ['migrate-user', 'bcrypt user, wrong password', migrate('bcrypt@example.com', 'not-it')],
  ['migrate-user', 'unknown user (verifies the timing hash)', migrate('nobody@example.com', 'not-it')],
  ['migrate-user', 'common password (action reset)', migrate('weak@example.com', 'password1')],
  ['migrate-user', 'forgot password of a legacy user', migrate('argon2id@example.com')],
];

try {
  for (const [functionName, label, event] of steps) {
    const result = await invokeLocally(functionName, event);
    const response = (result.response as { response?: Record<string, unknown> } | undefined)?.response;
    const outcome = result.error
      ? `refused: ${result.error.message}`
      : functionName === 'migrate-user'
        ? `${response?.finalUserStatus} ${JSON.stringify(response?.userAttributes)}`
        : `ok ${JSON.stringify(response)}`;
    console.log(
      `${functionName.padEnd(13)} ${label.padEnd(40)} ${result.durationMs.toFixed(0).padStart(5)} ms  ${outcome}`,
    );
  }
  const flagged = (await stack.dynamo.scan()).filter((item) => item.compromisedCredentials);
  console.log(`\nflagged compromisedCredentials: ${flagged.map((item) => item.pk).join(', ')}`);
} finally {
  await stack.stop();
}
