import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { callSignal } from '../aws/deadline.js';
import { readSecret } from '../config/secrets.js';
import { logger } from '../logging/index.js';
import { keys } from '../storage/keys.js';
import { documentClient, nowSeconds, tableName } from '../storage/table.js';
import { describeHash, verifyPassword } from './hashes.js';
import { type MigrationSettings, migrationSettings } from './settings.js';

/** A legacy user's fields (`email`, `emailVerified`, ...), before mapping to Cognito attributes. */
export type LegacyFields = Record<string, unknown>;

/**
 * One interface in front of every legacy store. `authenticate` answers undefined for an unknown
 * user and for a wrong password alike, and takes the same time for both.
 */
export interface LegacyUserStore {
  authenticate(userName: string, password: string): Promise<LegacyFields | undefined>;
  /** The user without a password (forgot-password migration). */
  lookup(userName: string): Promise<LegacyFields | undefined>;
  /** Records that the user now lives in Cognito; best effort. */
  markMigrated(userName: string): Promise<void>;
}

/**
 * What pre sign-up asks a legacy store: does this email address or username belong to a legacy
 * user that has not migrated yet? Cognito never calls migrate user for a name it already has, so
 * a self sign-up with such a name would lock its owner out of their own account. Both names are
 * looked up on every call (the same calls for known and unknown users).
 */
export interface LegacyAccountLookup {
  awaitsMigration(names: { email?: string; userName: string }): Promise<boolean>;
}

/** The configured legacy store (migrate user, and pre sign-up's lookup). */
export function legacyStore(settings: MigrationSettings): LegacyUserStore & LegacyAccountLookup {
  if (settings.source === 'http') {
    if (!settings.httpUrl) throw new Error('MIGRATION_SOURCE is http but MIGRATION_HTTP_URL is not set');
    return new HttpLegacyStore({
      url: settings.httpUrl,
      timeoutMs: settings.httpTimeoutMs,
      ...legacyAuthorization(settings),
    });
  }
  return new DynamoLegacyStore(settings.timingHash);
}

/** The legacy endpoint's authorization: from Secrets Manager in a deployment (cached), plain locally. */
function legacyAuthorization(settings: MigrationSettings): Pick<HttpStoreOptions, 'authorization'> {
  const secretId = settings.httpAuthorizationSecretId;
  if (secretId) return { authorization: async () => (await readSecret({ secretId }))?.current };
  return settings.httpAuthorization ? { authorization: settings.httpAuthorization } : {};
}

export type PasswordVerifier = (password: string, hash: string) => Promise<boolean>;

/**
 * (a) Legacy users in the table: `LEGACY#<lower-cased username>` / `ITEM`, with `passwordHash`
 * (bcrypt, argon2id, scrypt or PBKDF2-SHA256) and the user's fields under `fields`.
 */
export class DynamoLegacyStore implements LegacyUserStore, LegacyAccountLookup {
  constructor(
    private readonly timingHash: string,
    private readonly verify: PasswordVerifier = verifyPassword,
  ) {}

  async authenticate(userName: string, password: string) {
    const item = await this.read(keys.legacyUser(userName));
    let hash = typeof item?.passwordHash === 'string' ? item.passwordHash : undefined;
    if (hash !== undefined && describeHash(hash) === undefined) {
      // Unverifiable: answer as for a wrong password, after the same work, and say so.
      logger.warn('legacy user has a password hash in an unknown format');
      hash = undefined;
    }
    // An unknown user costs one verification of the same algorithm and cost as a real one.
    const matches = await this.verify(password, hash ?? this.timingHash);
    return item && hash && matches ? fieldsOf(item) : undefined;
  }

  async lookup(userName: string) {
    const item = await this.read(keys.legacyUser(userName));
    return item ? fieldsOf(item) : undefined;
  }

  /** Marks the user, and the item that finds it by address (when it has one), migrated. */
  async markMigrated(userName: string) {
    const { Attributes } = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: keys.legacyUser(userName), sk: keys.item() },
        UpdateExpression: 'SET migratedAt = if_not_exists(migratedAt, :now)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': nowSeconds() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    if (typeof Attributes?.email !== 'string') return;
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: keys.legacyEmail(Attributes.email), sk: keys.item() },
        UpdateExpression: 'SET migratedAt = if_not_exists(migratedAt, :now)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': nowSeconds() },
      }),
    );
  }

  /** Two GetItems in parallel, by username and by address, whatever they find. */
  async awaitsMigration({ email, userName }: { email?: string; userName: string }) {
    const [byName, byEmail] = await Promise.all([
      this.read(keys.legacyUser(userName)),
      this.read(keys.legacyEmail(email ?? '')),
    ]);
    const pending = (item: Record<string, unknown> | undefined) =>
      item !== undefined && item.migratedAt === undefined;
    return pending(byName) || (email !== undefined && pending(byEmail));
  }

  private async read(pk: string) {
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: tableName(), Key: { pk, sk: keys.item() } }),
    );
    return Item;
  }
}

/** The lower-cased address among a legacy user's fields, by the attribute map. */
export function legacyEmail(fields: LegacyFields, attributeMap: Record<string, string>): string | undefined {
  const field = Object.keys(attributeMap).find((name) => attributeMap[name] === 'email');
  const value = field !== undefined && Object.hasOwn(fields, field) ? fields[field] : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : undefined;
}

function fieldsOf(item: Record<string, unknown>): LegacyFields {
  const fields = item.fields;
  return fields !== null && typeof fields === 'object' ? (fields as LegacyFields) : {};
}

/**
 * Stores a legacy user (import tooling, tests and the demo). Its address (the field that
 * `migration.attributeMap` maps to `email`) gets an item of its own, `LEGACY_EMAIL#<address>` /
 * `ITEM` with the `userName`, so that pre sign-up finds the legacy user by address too; the
 * user's item keeps the address in `email`, so that `markMigrated` marks both.
 */
export async function putLegacyUser(
  userName: string,
  passwordHash: string,
  fields: LegacyFields,
  attributeMap: Record<string, string> = migrationSettings().attributeMap,
): Promise<void> {
  const address = legacyEmail(fields, attributeMap);
  await documentClient().send(
    new PutCommand({
      TableName: tableName(),
      Item: { pk: keys.legacyUser(userName), sk: keys.item(), passwordHash, fields, email: address },
    }),
  );
  if (!address) return;
  await documentClient().send(
    new PutCommand({
      TableName: tableName(),
      Item: { pk: keys.legacyEmail(address), sk: keys.item(), userName: userName.toLowerCase() },
    }),
  );
}

/** The `migrated` notice is best effort: it gets at most this long. */
const MARK_MIGRATED_TIMEOUT_MS = 1_000;

export interface HttpStoreOptions {
  url: string;
  timeoutMs: number;
  /** The `Authorization` header: a value, or where to read it (a secret, cached by its reader). */
  authorization?: string | (() => Promise<string | undefined>);
}

/**
 * (b) A legacy HTTP endpoint. One URL, POST, JSON body `{action, username, password?}`:
 * - `authenticate` → 200 `{"attributes": {...}}` when the credentials are right; 401 or 404 when not;
 * - `lookup` → 200 `{"attributes": {...}}` or 404;
 * - `migrated` → any 2xx (best effort).
 * Any other status, a malformed body or the timeout is a failure (the sign-in fails with the
 * generic message and can be retried), never "wrong password".
 */
export class HttpLegacyStore implements LegacyUserStore, LegacyAccountLookup {
  constructor(private readonly options: HttpStoreOptions) {}

  authenticate(userName: string, password: string) {
    return this.call({ action: 'authenticate', username: userName, password });
  }

  lookup(userName: string) {
    return this.call({ action: 'lookup', username: userName });
  }

  /**
   * `lookup` of the username and of the email, in parallel: a 200 for either is a legacy user
   * awaiting migration (the endpoint answers 404 for users it was told have migrated).
   */
  async awaitsMigration({ email, userName }: { email?: string; userName: string }) {
    const names = [...new Set([userName, email ?? ''].filter((name) => name !== ''))];
    const found = await Promise.all(names.map((name) => this.lookup(name)));
    return found.some((fields) => fields !== undefined);
  }

  async markMigrated(userName: string) {
    // Best effort after a successful sign-in: it may not spend what is left of the user's budget.
    const response = await this.post(
      { action: 'migrated', username: userName },
      Math.min(this.options.timeoutMs, MARK_MIGRATED_TIMEOUT_MS),
    );
    if (!response.ok)
      logger.warn('legacy endpoint did not record the migration', { status: response.status });
  }

  private async call(body: Record<string, string>): Promise<LegacyFields | undefined> {
    const response = await this.post(body);
    if (response.status === 401 || response.status === 404) return undefined;
    if (response.status !== 200) throw new Error(`legacy endpoint answered ${response.status}`);
    const payload = (await response.json()) as { attributes?: unknown };
    if (payload?.attributes === null || typeof payload?.attributes !== 'object') {
      throw new Error('legacy endpoint answered without attributes');
    }
    return payload.attributes as LegacyFields;
  }

  private async post(body: Record<string, string>, timeoutMs = this.options.timeoutMs): Promise<Response> {
    const { authorization: source } = this.options;
    const authorization = typeof source === 'function' ? await source() : source;
    return fetch(this.options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify(body),
      // Its own timeout, or the invocation's deadline when that comes first.
      signal: callSignal(timeoutMs),
    });
  }
}
