import { buildClient, CommitmentPolicy, getClient, KMS, KmsKeyringNode } from '@aws-crypto/client-node';
import { afterAll, beforeAll, vi } from 'vitest';
import { type LocalSns, startLocalSns } from '../../scripts/local/emulators.js';
import { functionLoaders, type LocalHandler, localContext } from '../../scripts/local/registry.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';
import { type Fault, type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { captureOutput } from '../support/logs.js';
import { type LocalSecretsManager, startLocalSecretsManager } from '../support/secrets-manager.js';
import {
  type KmsStandIn,
  type LegacyStandIn,
  startKmsStandIn,
  startLegacyStandIn,
} from '../support/stand-ins.js';
import { commonFaults, type Dependency, describeFaultMatrix, Matrix, type Scenario } from './matrix.js';

/**
 * The fault matrix of KMS (the custom senders decrypt Cognito's code with it) and Secrets Manager
 * (the sign-in context key every sign-in function refreshes, the legacy endpoint's authorization),
 * which have no emulator here: small stand-ins that answer the calls Gatehouse makes (KMS's
 * GenerateDataKey and Decrypt; GetSecretValue) behind the fault proxy, so the real SDK clients,
 * limits and deadlines meet the faults. The senders run with a KMS key (no local AES key), the
 * sign-in functions with secret ids (no plain values).
 */
const local = useLocalEmulators({ SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let sns: LocalSns;
let kms: KmsStandIn;
let secrets: LocalSecretsManager;
let legacy: LegacyStandIn;
const proxies: Record<string, FaultProxy> = {};
const matrix = new Matrix();

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CONTEXT_SECRET_ID = 'gatehouse/test/context-key';
const LEGACY_SECRET_ID = 'gatehouse/test/legacy-authorization';
const CONTEXT_KEY = `context-key-${Math.random().toString(36).slice(2)}-0123456789abcdef`;
const LEGACY_AUTHORIZATION = `Bearer legacy-${Math.random().toString(36).slice(2)}`;
const CODE = '731942';
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Handlers loaded once (a warm container), and the secret cache of that container. */
const warm: Record<string, LocalHandler> = {};
let expireCachedSecrets: () => void;

beforeAll(async () => {
  [sns, kms, secrets, legacy] = await Promise.all([
    startLocalSns(),
    startKmsStandIn(),
    startLocalSecretsManager(),
    startLegacyStandIn(),
  ]);
  const [kmsProxy, secretsProxy] = await Promise.all([
    startFaultProxy(kms.endpoint, 'aws-json'),
    startFaultProxy(secrets.endpoint, 'aws-json'),
  ]);
  proxies.KMS = kmsProxy;
  proxies['Secrets Manager'] = secretsProxy;
  secrets.store.set(CONTEXT_SECRET_ID, { AWSCURRENT: CONTEXT_KEY });
  secrets.store.set(LEGACY_SECRET_ID, { AWSCURRENT: LEGACY_AUTHORIZATION });
  legacy.authorization = LEGACY_AUTHORIZATION;
  Object.assign(process.env, {
    SNS_ENDPOINT: sns.endpoint,
    // The KMS client of `shared/aws/kms.ts` is built for the key's region; the SDK's own
    // service-specific endpoint variable points it at the proxy.
    AWS_ENDPOINT_URL_KMS: kmsProxy.endpoint,
    KMS_KEY_ARN: KEY_ARN,
    SECRETS_MANAGER_ENDPOINT: secretsProxy.endpoint,
    RISK_CONTEXT_SECRET_ID: CONTEXT_SECRET_ID,
  });
  for (const name of ['SENDER_LOCAL_AES_KEY', 'RISK_CONTEXT_SECRET', 'MIGRATION_SOURCE']) {
    delete process.env[name];
  }
  for (const fn of ['custom-email-sender', 'custom-sms-sender', 'pre-sign-up']) {
    warm[fn] = (await functionLoaders[fn]!()).handler;
  }
  ({ expireCachedSecrets } = await import('../../shared/config/secrets.js'));
  // The warm container's first sign-up: it reads the context key, and its settings once (legacy
  // users in the table), so that its row is the context key's alone.
  await captureOutput(() => warm['pre-sign-up']!(preSignUpEvent('first'), localContext('pre-sign-up')));
  // New containers (cold rows) ask the legacy endpoint, with an authorization kept as a secret.
  Object.assign(process.env, {
    MIGRATION_SOURCE: 'http',
    MIGRATION_HTTP_URL: legacy.endpoint,
    MIGRATION_HTTP_AUTHORIZATION_SECRET_ID: LEGACY_SECRET_ID,
  });
  delete process.env.MIGRATION_HTTP_AUTHORIZATION;
});

afterAll(async () => {
  console.log(`\nFault matrix (KMS, Secrets Manager)\n\n${matrix.table()}\n`);
  await Promise.all([
    ...Object.values(proxies).map((proxy) => proxy.stop()),
    sns?.stop(),
    kms?.stop(),
    secrets?.stop(),
    legacy?.stop(),
  ]);
});

let freshLoads: Promise<unknown> = Promise.resolve();

/**
 * The handler of a new container: every module evaluated again (no key read yet, nothing cached).
 * One at a time, so that two cold starts never share half a module graph.
 */
function coldHandler(fn: string): Promise<LocalHandler> {
  const loaded = freshLoads.then(async () => {
    vi.resetModules();
    return (await import(`../../functions/${fn}.ts`)).handler as LocalHandler;
  });
  freshLoads = loaded.catch(() => undefined);
  return loaded;
}

const mailsTo = async (address: string) =>
  (await local.ses.mails()).filter((mail) => mail.destination.to.includes(address)).length;

/** What Cognito does: the code encrypted under the pool's key with the Encryption SDK (KMS healthy, no proxy). */
async function cognitoEncrypts(code: string): Promise<string> {
  const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
  const clientProvider = getClient(KMS, { credentials: localCredentials, endpoint: kms.endpoint });
  const keyring = new KmsKeyringNode({ generatorKeyId: KEY_ARN, clientProvider });
  const { result } = await encrypt(keyring, code, {
    encryptionContext: { 'userpool-id': 'us-east-1_EXAMPLE1' },
  });
  return result.toString('base64');
}

/** A custom sender whose code KMS must decrypt: thrown while KMS fails, sent once by Lambda's retry. */
function senderScenario(fn: 'custom-email-sender' | 'custom-sms-sender'): Scenario {
  return {
    fn,
    healthy: 'ok',
    // Thrown (marker released): Lambda's asynchronous retry decrypts again.
    whenDown: 'error',
    async prepare(id) {
      const event = sampleEvent<any>(
        fn === 'custom-email-sender' ? 'CustomEmailSender_SignUp' : 'CustomSMSSender_SignUp',
      );
      const email = `kms-${id}@example.org`;
      const phone = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
      event.userName = `kms-${id}`;
      event.request.userAttributes.email = email;
      event.request.userAttributes.phone_number = phone;
      event.request.code = await cognitoEncrypts(CODE);
      const delivered = () =>
        fn === 'custom-sms-sender'
          ? Promise.resolve(sns.texts().filter((text) => text.phoneNumber === phone).length)
          : mailsTo(email);
      const invoke = () => warm[fn]!(event, localContext(fn));
      return {
        invoke,
        secrets: [CODE],
        async recover() {
          // Lambda's two asynchronous retries.
          await invoke().catch(() => undefined);
          await invoke().catch(() => undefined);
          const count = await delivered();
          if (count !== 1) throw new Error(`delivered ${count} times`);
        },
      };
    },
  };
}

function preSignUpEvent(id: string) {
  const event = sampleEvent<any>('PreSignUp_SignUp');
  event.userName = `sm-${id}`;
  event.request.userAttributes.email = `sm-${id}@example.org`;
  return event;
}

/**
 * A new container whose first reads of the sign-in context key and of the legacy endpoint's
 * authorization meet the fault: it cannot verify a context nor ask whether a legacy user owns the
 * name, so the sign-up fails closed (generic message); the user's next try passes.
 */
const coldPreSignUpScenario: Scenario = {
  fn: 'pre-sign-up (cold container)',
  healthy: 'ok',
  whenDown: 'error',
  async prepare(id) {
    const handler = await coldHandler('pre-sign-up');
    const event = preSignUpEvent(id);
    return {
      invoke: () => handler(event, localContext('pre-sign-up')),
      secrets: [CONTEXT_KEY, LEGACY_AUTHORIZATION],
    };
  },
};

/**
 * A container that read the key before, its 5-minute cache just expired: the refresh fails, the
 * last key stands (a warning), the sign-up goes on.
 */
const warmPreSignUpScenario: Scenario = {
  fn: 'pre-sign-up (key read before)',
  healthy: 'ok',
  whenDown: 'ok',
  async prepare(id) {
    const event = preSignUpEvent(id);
    await captureOutput(() =>
      warm['pre-sign-up']!(preSignUpEvent(`${id}-before`), localContext('pre-sign-up')),
    );
    expireCachedSecrets();
    return { invoke: () => warm['pre-sign-up']!(event, localContext('pre-sign-up')), secrets: [CONTEXT_KEY] };
  },
};

/**
 * Migration through the legacy endpoint, whose authorization is a secret, in a new container:
 * without it the endpoint cannot be asked, so the sign-in fails closed (never "wrong password");
 * the next sign-in migrates.
 */
const coldMigrateUserScenario: Scenario = {
  fn: 'migrate-user (cold container)',
  healthy: 'ok',
  whenDown: 'error',
  async prepare(id) {
    const handler = await coldHandler('migrate-user');
    const event = sampleEvent<any>('UserMigration_Authentication');
    const password = `Legacy-${id}-pw!`;
    event.userName = `sm-legacy-${id}`;
    event.request.password = password;
    event.request.userAttributes = {};
    legacy.users.set(event.userName, { password, attributes: { email: `sm-legacy-${id}@example.org` } });
    const invoke = () => handler(event, localContext('migrate-user'));
    return {
      invoke,
      secrets: [password, LEGACY_AUTHORIZATION, CONTEXT_KEY],
      // Migrated by the first call (Cognito's user now, the endpoint told), or by the next sign-in.
      async recover(first) {
        if (first === 'ok') return;
        const again = await invoke().then(
          () => 'ok',
          (error: Error) => error.message,
        );
        if (again !== 'ok') throw new Error(`the next sign-in: ${again}`);
      },
    };
  },
};

/** Per dependency: its functions, and how slow one attempt may be (`shared/aws/clients.ts`: 1 s). */
const dependencies: Dependency[] = [
  {
    name: 'KMS',
    attemptMs: 1_000,
    scenarios: [senderScenario('custom-email-sender'), senderScenario('custom-sms-sender')],
  },
  {
    name: 'Secrets Manager',
    attemptMs: 1_000,
    scenarios: [coldPreSignUpScenario, warmPreSignUpScenario, coldMigrateUserScenario],
  },
];

const faults: Fault[] = [...commonFaults(500), { kind: 'throttle', error: 'ThrottlingException' }];

describeFaultMatrix(
  'fault matrix: KMS and Secrets Manager slow, resetting, failing, throttling',
  dependencies,
  faults,
  proxies,
  matrix,
);
