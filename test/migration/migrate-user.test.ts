import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, localEnvironment, startLocalDynamo } from '../../scripts/local/emulators.js';
import { legacyHash } from '../../scripts/migration/legacy-hashes.js';
import { loadSettings } from '../../shared/config/settings.js';
import { UserFacingError } from '../../shared/errors/index.js';
import type { MigrateUserEvent } from '../../shared/events/index.js';
import { describeHash, type HashAlgorithm, verifyPassword } from '../../shared/migration/hashes.js';
import { migrationSettingSpecs } from '../../shared/migration/settings.js';
import type { LegacyUserStore } from '../../shared/migration/stores.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import { lambdaContext, sampleEvent } from '../support/events.js';
import { captureOutput } from '../support/logs.js';

/**
 * Migrate user against dynalite (legacy items, compromised flag) and a real HTTP server this
 * file starts (the legacy endpoint adapter).
 */
let dynamo: LocalDynamo;
let migration: typeof import('../../shared/migration/index.js');
let stores: typeof import('../../shared/migration/stores.js');

const PASSWORD = 'Corr3ct-Horse-Battery!';
const algorithms: HashAlgorithm[] = ['bcrypt', 'argon2id', 'scrypt', 'pbkdf2-sha256'];
const fields = {
  email: ' Jane.Doe@Example.com ',
  emailVerified: true,
  phone: '+14155550100',
  phoneVerified: false,
  givenName: 'Jane',
  familyName: 'Doe',
  passwordHint: 'never migrated',
};
const expectedAttributes = {
  email: 'jane.doe@example.com',
  email_verified: 'true',
  phone_number: '+14155550100',
  phone_number_verified: 'false',
  given_name: 'Jane',
  family_name: 'Doe',
};

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  Object.assign(process.env, localEnvironment(dynamo));
  migration = await import('../../shared/migration/index.js');
  stores = await import('../../shared/migration/stores.js');
  for (const algorithm of algorithms) {
    await stores.putLegacyUser(`${algorithm}@example.com`, await legacyHash(algorithm, PASSWORD), fields);
    await stores.putLegacyUser(
      `common-${algorithm}@example.com`,
      await legacyHash(algorithm, 'password1'),
      fields,
    );
  }
});
afterAll(async () => dynamo?.stop());

const settings = (env: Record<string, string> = {}) => loadSettings(migrationSettingSpecs, { env, file: {} });
const lockout = loadSettings(signInSettingSpecs, {
  env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '1000' },
  file: {},
});

function migrationEvent(source: string, userName: string, password?: string): MigrateUserEvent {
  const event = sampleEvent<MigrateUserEvent>(source);
  event.userName = userName;
  if (password !== undefined) event.request.password = password;
  return event;
}

async function run(event: MigrateUserEvent, store: LegacyUserStore, env: Record<string, string> = {}) {
  try {
    return {
      response: (await migration.migrateUser(event, { settings: settings(env), store, lockout })).response,
    };
  } catch (error) {
    if (error instanceof UserFacingError) return { code: error.code, message: error.message };
    throw error;
  }
}

const dynamoStore = () => new stores.DynamoLegacyStore(settings().timingHash);
const itemOf = async (pk: string, sk: string) =>
  (await dynamo.scan()).find((i) => i.pk === pk && i.sk === sk);

describe('UserMigration_Authentication from the table', () => {
  it.each(algorithms)('migrates a %s user with the right password', async (algorithm) => {
    const userName = `${algorithm}@example.com`;
    const result = await run(
      migrationEvent('UserMigration_Authentication', userName, PASSWORD),
      dynamoStore(),
    );
    expect(result.response).toEqual({
      userAttributes: expectedAttributes,
      finalUserStatus: 'CONFIRMED',
      messageAction: 'SUPPRESS',
      desiredDeliveryMediums: ['EMAIL'],
      forceAliasCreation: null,
      enableSMSMFA: null,
    });
    const legacy = await itemOf(`LEGACY#${userName}`, 'ITEM');
    expect(legacy?.migratedAt).toEqual(expect.any(Number));
  });

  it.each(algorithms)('refuses a %s user with a wrong password', async (algorithm) => {
    const result = await run(
      migrationEvent('UserMigration_Authentication', `${algorithm}@example.com`, 'wrong-password'),
      dynamoStore(),
    );
    expect(result).toEqual({ code: 'MIGRATION_NOT_AUTHORIZED', message: 'Incorrect username or password.' });
  });

  it('finds the user whatever the case of the username', async () => {
    const result = await run(
      migrationEvent('UserMigration_Authentication', 'BCRYPT@Example.com', PASSWORD),
      dynamoStore(),
    );
    expect(result.response?.finalUserStatus).toBe('CONFIRMED');
  });
});

describe('unknown user versus wrong password', () => {
  /** Counts every verification and records the algorithm and cost it ran. */
  function countingStore(timingHash: string) {
    const work: string[] = [];
    const store = new stores.DynamoLegacyStore(timingHash, async (password, hash) => {
      const info = describeHash(hash);
      work.push(`${info?.algorithm}:${info?.cost}`);
      return verifyPassword(password, hash);
    });
    return { store, work };
  }

  it.each(algorithms)(
    '%s: the same answer after the same work (one verification, same algorithm and cost)',
    async (algorithm) => {
      // The timing hash is configured to match the legacy store's algorithm and cost.
      const timingHash = await legacyHash(algorithm, 'nobody knows this');
      const wrong = countingStore(timingHash);
      const unknown = countingStore(timingHash);
      const wrongResult = await run(
        migrationEvent('UserMigration_Authentication', `${algorithm}@example.com`, 'wrong-password'),
        wrong.store,
      );
      const unknownResult = await run(
        migrationEvent('UserMigration_Authentication', 'nobody@example.com', 'wrong-password'),
        unknown.store,
      );
      expect(unknownResult).toEqual(wrongResult);
      expect(wrong.work).toHaveLength(1);
      expect(unknown.work).toEqual(wrong.work);
    },
  );

  it('verifies the default timing hash (bcrypt, cost 10) for an unknown user', async () => {
    const { store, work } = countingStore(settings().timingHash);
    await run(migrationEvent('UserMigration_Authentication', 'nobody@example.com', PASSWORD), store);
    expect(work).toEqual(['bcrypt:10']);
  });

  it('answers a user whose stored hash has an unknown format as a wrong password, after the same work', async () => {
    await stores.putLegacyUser('md5-user@example.com', '5f4dcc3b5aa765d61d8327deb882cf99', fields);
    const { store, work } = countingStore(settings().timingHash);
    const result = await run(
      migrationEvent('UserMigration_Authentication', 'md5-user@example.com', 'password'),
      store,
    );
    expect(result.code).toBe('MIGRATION_NOT_AUTHORIZED');
    expect(work).toEqual(['bcrypt:10']);
  });

  it('refuses a timing hash in an unknown format at cold start', () => {
    expect(() => settings({ MIGRATION_TIMING_HASH: 'md5:abc' })).toThrow(/MIGRATION_TIMING_HASH/);
  });
});

describe('common and breached passwords', () => {
  it.each([
    ['allow', { finalUserStatus: 'CONFIRMED' }],
    ['reset', { finalUserStatus: 'RESET_REQUIRED' }],
    ['refuse', { code: 'MIGRATION_PASSWORD_BREACHED' }],
  ])('action %s', async (action, expected) => {
    // A user of its own per row: the flag checked below can only come from this row's sign-in.
    const userName = `common-${action}@example.com`;
    await stores.putLegacyUser(userName, await legacyHash('bcrypt', 'password1'), fields);
    expect(await itemOf(`USER#NAME#${userName}`, 'PROFILE')).toBeUndefined();
    const result = await run(
      migrationEvent('UserMigration_Authentication', userName, 'password1'),
      dynamoStore(),
      {
        MIGRATION_BREACHED_PASSWORD_ACTION: action,
      },
    );
    if ('code' in expected) expect(result.code).toBe(expected.code);
    else expect(result.response?.finalUserStatus).toBe(expected.finalUserStatus);
    expect(await itemOf(`USER#NAME#${userName.toLowerCase()}`, 'PROFILE')).toMatchObject({
      compromisedCredentials: true,
    });
  });

  it('does not flag a user whose password is not on the list, nor on a wrong password', async () => {
    await run(
      migrationEvent('UserMigration_Authentication', 'argon2id@example.com', PASSWORD),
      dynamoStore(),
    );
    await run(
      migrationEvent('UserMigration_Authentication', 'scrypt@example.com', 'password1'),
      dynamoStore(),
    );
    expect(await itemOf('USER#NAME#argon2id@example.com', 'PROFILE')).toBeUndefined();
    expect(await itemOf('USER#NAME#scrypt@example.com', 'PROFILE')).toBeUndefined();
  });

  it('ships the most common passwords of @zxcvbn-ts/language-common, as generated', async () => {
    const { topCommonPasswords } = await import('../../scripts/migration/common-passwords.js');
    const shipped = (await import('../../shared/migration/common-passwords.json')).default;
    expect(shipped).toEqual(topCommonPasswords());
    const { isCommonPassword } = await import('../../shared/migration/breached.js');
    expect.soft(isCommonPassword('123456')).toBe(true);
    expect.soft(isCommonPassword('Password1')).toBe(true);
    expect.soft(isCommonPassword(PASSWORD)).toBe(false);
  });
});

describe('UserMigration_ForgotPassword from the table', () => {
  it.each(algorithms)(
    'answers a %s user without a password, for Cognito to send the reset code',
    async (algorithm) => {
      const result = await run(
        migrationEvent('UserMigration_ForgotPassword', `${algorithm}@example.com`),
        dynamoStore(),
      );
      expect(result.response).toMatchObject({
        userAttributes: expectedAttributes,
        finalUserStatus: 'RESET_REQUIRED',
        messageAction: 'SUPPRESS',
        desiredDeliveryMediums: ['EMAIL'],
      });
    },
  );

  it('answers an unknown user as the authentication does', async () => {
    const result = await run(
      migrationEvent('UserMigration_ForgotPassword', 'nobody@example.com'),
      dynamoStore(),
    );
    expect(result.code).toBe('MIGRATION_NOT_AUTHORIZED');
  });

  it('asks for SMS delivery when the user has no email', async () => {
    await stores.putLegacyUser('phone-only', await legacyHash('bcrypt', PASSWORD), {
      phone: '+14155550101',
      phoneVerified: true,
    });
    const result = await run(migrationEvent('UserMigration_ForgotPassword', 'phone-only'), dynamoStore());
    expect(result.response).toMatchObject({
      userAttributes: { phone_number: '+14155550101', phone_number_verified: 'true' },
      desiredDeliveryMediums: ['SMS'],
    });
  });
});

describe('attribute mapping', () => {
  it.each([
    [{ email: 'A@B.C' }, { email: 'email' }, { email: 'a@b.c' }],
    [
      { mail: 'a@b.c', verified: true },
      { mail: 'email', verified: 'email_verified' },
      { email: 'a@b.c', email_verified: 'true' },
    ],
    [{ age: 42, nickname: '' }, { age: 'custom:age', nickname: 'nickname' }, { 'custom:age': '42' }],
    [{ nested: { a: 1 }, gone: null }, { nested: 'custom:nested', gone: 'name' }, {}],
    [{ secret: 'x' }, {}, {}],
  ])('%j with %j', (legacy, map, expected) => {
    expect(migration.mapLegacyFields(legacy, map)).toEqual(expected);
  });
});

/** The legacy endpoint: a real HTTP server, with one user and switches for faults. */
interface LegacyEndpoint {
  url: string;
  requests: Array<{ body: Record<string, string>; authorization?: string }>;
  delayMs: number;
  status?: number;
  server: Server;
}

async function startLegacyEndpoint(): Promise<LegacyEndpoint> {
  const read = async (request: IncomingMessage) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    return JSON.parse(text) as Record<string, string>;
  };
  const endpoint = { requests: [], delayMs: 0 } as unknown as LegacyEndpoint;
  endpoint.server = createServer(async (request, response) => {
    const body = await read(request);
    endpoint.requests.push({ body, authorization: request.headers.authorization });
    await new Promise((done) => setTimeout(done, endpoint.delayMs));
    const known = body.username === 'jane.doe@example.com';
    let status = endpoint.status ?? 200;
    if (!endpoint.status) {
      if (body.action === 'authenticate') status = known && body.password === PASSWORD ? 200 : 401;
      if (body.action === 'lookup') status = known ? 200 : 404;
      if (body.action === 'migrated') status = 204;
    }
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(status === 200 ? JSON.stringify({ attributes: fields }) : '');
  });
  await new Promise<void>((done) => endpoint.server.listen(0, '127.0.0.1', () => done()));
  endpoint.url = `http://127.0.0.1:${(endpoint.server.address() as AddressInfo).port}/legacy/users`;
  return endpoint;
}

describe('the legacy HTTP endpoint', () => {
  let endpoint: LegacyEndpoint;
  beforeAll(async () => {
    endpoint = await startLegacyEndpoint();
  });
  afterAll(async () => {
    endpoint.server.closeAllConnections();
    await new Promise((done) => endpoint.server.close(done));
  });

  const httpEnv = (extra: Record<string, string> = {}) => ({
    MIGRATION_SOURCE: 'http',
    MIGRATION_HTTP_URL: endpoint.url,
    MIGRATION_HTTP_AUTHORIZATION: 'Bearer legacy-shared-secret',
    ...extra,
  });
  const httpStore = (extra: Record<string, string> = {}) => migration.legacyStore(settings(httpEnv(extra)));
  const reset = (delayMs = 0, status?: number) => {
    endpoint.requests.length = 0;
    endpoint.delayMs = delayMs;
    endpoint.status = status;
  };

  it.each([
    ['UserMigration_Authentication', PASSWORD, 'CONFIRMED'],
    ['UserMigration_ForgotPassword', undefined, 'RESET_REQUIRED'],
  ])(
    '%s: answers the mapped attributes and tells the endpoint the user moved',
    async (source, password, status) => {
      reset();
      const result = await run(
        migrationEvent(source, 'jane.doe@example.com', password),
        httpStore(),
        httpEnv(),
      );
      expect(result.response).toMatchObject({ userAttributes: expectedAttributes, finalUserStatus: status });
      expect(endpoint.requests.map((r) => r.body.action)).toEqual([
        source.endsWith('Authentication') ? 'authenticate' : 'lookup',
        'migrated',
      ]);
      expect(endpoint.requests.every((r) => r.authorization === 'Bearer legacy-shared-secret')).toBe(true);
    },
  );

  it.each([
    ['a wrong password', 'jane.doe@example.com', 'wrong-password'],
    ['an unknown user', 'nobody@example.com', PASSWORD],
  ])('answers %s as not authorized', async (_, userName, password) => {
    reset();
    const result = await run(migrationEvent('UserMigration_Authentication', userName, password), httpStore());
    expect(result.code).toBe('MIGRATION_NOT_AUTHORIZED');
  });

  it('gives up after the timeout: a failure, not a wrong password', async () => {
    reset(1_000);
    const attempt = run(
      migrationEvent('UserMigration_Authentication', 'jane.doe@example.com', PASSWORD),
      httpStore({ MIGRATION_HTTP_TIMEOUT_MS: '200' }),
    );
    await expect(attempt).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('treats an unexpected status as a failure', async () => {
    reset(0, 503);
    const attempt = run(
      migrationEvent('UserMigration_Authentication', 'jane.doe@example.com', PASSWORD),
      httpStore(),
    );
    await expect(attempt).rejects.toThrow('legacy endpoint answered 503');
  });

  it('refuses a timeout that does not fit the 5-second budget', () => {
    expect(() => settings(httpEnv({ MIGRATION_HTTP_TIMEOUT_MS: '6000' }))).toThrow(
      /MIGRATION_HTTP_TIMEOUT_MS/,
    );
  });

  it("answers pre sign-up's lookup: the username and the address are both asked, a 200 is a legacy user", async () => {
    reset();
    const byAddress = { email: 'jane.doe@example.com', userName: '4a6f3c1e-uuid' };
    expect(await httpStore().awaitsMigration(byAddress)).toBe(true);
    expect(endpoint.requests.map((r) => r.body)).toEqual([
      { action: 'lookup', username: '4a6f3c1e-uuid' },
      { action: 'lookup', username: 'jane.doe@example.com' },
    ]);
    expect(await httpStore().awaitsMigration({ userName: 'jane.doe@example.com' })).toBe(true);
    expect(await httpStore().awaitsMigration({ email: 'new@example.com', userName: 'new' })).toBe(false);
    reset(0, 503);
    await expect(httpStore().awaitsMigration(byAddress)).rejects.toThrow('legacy endpoint answered 503');
  });
});

describe('the migrate-user handler', () => {
  it('UserMigration_Authentication never logs or stores the password, on success or refusal', async () => {
    const { handler } = await import('../../functions/migrate-user.js');
    for (const [userName, password, outcome] of [
      ['bcrypt@example.com', PASSWORD, 'ok'],
      // A name no other test tried: the handler's lockout (5 attempts) counts per name.
      ['nobody-handler@example.com', 'Wr0ng-Secret-Value!', 'Incorrect username or password.'],
      ['common-pbkdf2-sha256@example.com', 'password1', 'ok'],
    ] as const) {
      const event = migrationEvent('UserMigration_Authentication', userName, password);
      const { output, error, result } = await captureOutput(() => handler(event, lambdaContext()));
      if (outcome === 'ok') {
        expect(error).toBeUndefined();
        expect((result as MigrateUserEvent).response.userAttributes).toMatchObject({
          email: 'jane.doe@example.com',
        });
      } else expect((error as Error).message).toBe(outcome);
      expect(output).toContain('"message":"completed"');
      expect(output).not.toContain(password);
    }
    const stored = JSON.stringify(await dynamo.scan());
    for (const secret of [PASSWORD, 'Wr0ng-Secret-Value!']) expect(stored).not.toContain(secret);
  });

  it('UserMigration_ForgotPassword answers without a password and logs no legacy hash nor attribute', async () => {
    const { handler } = await import('../../functions/migrate-user.js');
    const storedHash = (await itemOf('LEGACY#bcrypt@example.com', 'ITEM'))?.passwordHash as string;
    expect(storedHash).toMatch(/^\$2[aby]\$/);
    const known = await captureOutput(() =>
      handler(migrationEvent('UserMigration_ForgotPassword', 'bcrypt@example.com'), lambdaContext()),
    );
    expect(known.error).toBeUndefined();
    expect((known.result as MigrateUserEvent).response).toMatchObject({
      finalUserStatus: 'RESET_REQUIRED',
      messageAction: 'SUPPRESS',
    });
    const unknown = await captureOutput(() =>
      handler(migrationEvent('UserMigration_ForgotPassword', 'nobody-forgot@example.com'), lambdaContext()),
    );
    expect((unknown.error as Error).message).toBe('Incorrect username or password.');
    for (const output of [known.output, unknown.output]) {
      expect(output).toContain('"message":"completed"');
      expect(output).not.toContain(storedHash);
      expect(output).not.toContain(storedHash.slice(-31)); // the bcrypt digest alone
      expect(output).not.toContain('+14155550100');
      expect(output.toLowerCase()).not.toContain('jane.doe@example.com');
    }
  });
});

describe('attack 8: guessing legacy passwords through migration', () => {
  const strict = loadSettings(signInSettingSpecs, { env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '5' }, file: {} });
  /** The table store, counting the password verifications it really runs. */
  function countedStore() {
    const verified: string[] = [];
    const store = new stores.DynamoLegacyStore(settings().timingHash, async (password, hash) => {
      verified.push(password === PASSWORD ? 'right' : 'wrong');
      return verifyPassword(password, hash);
    });
    return { store, verified };
  }
  const attempt = async (userName: string, password: string, store: LegacyUserStore) => {
    try {
      const event = migrationEvent('UserMigration_Authentication', userName, password);
      await migration.migrateUser(event, { settings: settings(), store, lockout: strict });
      return 'migrated';
    } catch (error) {
      if (error instanceof UserFacingError) return error.code;
      throw error;
    }
  };
  let n = 0;
  const legacyUser = async () => {
    const userName = `guessed-${++n}-${Date.now()}@example.com`;
    await stores.putLegacyUser(userName, await legacyHash('bcrypt', PASSWORD), fields);
    return userName;
  };

  it('attack 8: 40 wrong legacy passwords, then the right one, does not migrate while locked', async () => {
    const userName = await legacyUser();
    const { store, verified } = countedStore();
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) outcomes.push(await attempt(userName, `wrong-${i}`, store));
    expect(outcomes.slice(0, 5)).toEqual(Array(5).fill('MIGRATION_NOT_AUTHORIZED'));
    expect(outcomes.slice(5)).toEqual(Array(35).fill('MIGRATION_LOCKED'));
    expect(await attempt(userName, PASSWORD, store)).toBe('MIGRATION_LOCKED');
    // Only the five attempts before the lock were verified; the right password never was.
    expect(verified).toEqual(Array(5).fill('wrong'));
    expect((await itemOf(`LEGACY#${userName}`, 'ITEM'))?.migratedAt).toBeUndefined();
  });

  it('attack 8: concurrent guesses are each counted before any is verified', async () => {
    const userName = await legacyUser();
    const { store, verified } = countedStore();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => attempt(userName, `wrong-${i}`, store)),
    );
    expect(outcomes.filter((o) => o === 'MIGRATION_LOCKED')).toHaveLength(15);
    expect(verified).toHaveLength(5);
  });

  it('attack 8: a known and an unknown legacy name are counted and refused alike, in the same words', async () => {
    const known = await legacyUser();
    const run8 = async (userName: string) => {
      const messages: string[] = [];
      for (let i = 0; i < 7; i++) {
        const event = migrationEvent('UserMigration_Authentication', userName, `wrong-${i}`);
        messages.push(
          await migration
            .migrateUser(event, { settings: settings(), store: dynamoStore(), lockout: strict })
            .then(
              () => 'migrated',
              (error: Error) => error.message,
            ),
        );
      }
      return messages;
    };
    const unknown = await run8(`nobody-${Date.now()}@example.com`);
    expect(await run8(known)).toEqual(unknown);
    expect(unknown.at(-1)).toBe('Too many sign-in attempts. Please try again later.');
  });

  it('a right legacy password clears the count; a name locked out can still migrate through forgot password', async () => {
    const userName = await legacyUser();
    const { store } = countedStore();
    for (let i = 0; i < 4; i++)
      expect(await attempt(userName, `wrong-${i}`, store)).toBe('MIGRATION_NOT_AUTHORIZED');
    expect(await attempt(userName, PASSWORD, store)).toBe('migrated');
    for (let i = 0; i < 5; i++)
      expect(await attempt(userName, `wrong-${i}`, store)).toBe('MIGRATION_NOT_AUTHORIZED');
    expect(await attempt(userName, PASSWORD, store)).toBe('MIGRATION_LOCKED');
    const forgot = migrationEvent('UserMigration_ForgotPassword', userName);
    const result = await migration.migrateUser(forgot, { settings: settings(), store, lockout: strict });
    expect(result.response.finalUserStatus).toBe('RESET_REQUIRED');
  });
});
