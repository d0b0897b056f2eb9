import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { logger } from '../logging/index.js';
import { keys } from '../storage/keys.js';
import { documentClient, nowSeconds, tableName } from '../storage/table.js';
import { describeHash, verifyPassword } from './hashes.js';

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

export type PasswordVerifier = (password: string, hash: string) => Promise<boolean>;

/**
 * (a) Legacy users in the table: `LEGACY#<lower-cased username>` / `ITEM`, with `passwordHash`
 * (bcrypt, argon2id, scrypt or PBKDF2-SHA256) and the user's fields under `fields`.
 */
export class DynamoLegacyStore implements LegacyUserStore {
  constructor(
    private readonly timingHash: string,
    private readonly verify: PasswordVerifier = verifyPassword,
  ) {}

  async authenticate(userName: string, password: string) {
    const item = await this.read(userName);
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
    const item = await this.read(userName);
    return item ? fieldsOf(item) : undefined;
  }

  async markMigrated(userName: string) {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: keys.legacyUser(userName), sk: keys.item() },
        UpdateExpression: 'SET migratedAt = if_not_exists(migratedAt, :now)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': nowSeconds() },
      }),
    );
  }

  private async read(userName: string) {
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: tableName(), Key: { pk: keys.legacyUser(userName), sk: keys.item() } }),
    );
    return Item;
  }
}

function fieldsOf(item: Record<string, unknown>): LegacyFields {
  const fields = item.fields;
  return fields !== null && typeof fields === 'object' ? (fields as LegacyFields) : {};
}

/** Stores a legacy user (import tooling, tests and the demo). */
export async function putLegacyUser(
  userName: string,
  passwordHash: string,
  fields: LegacyFields,
): Promise<void> {
  await documentClient().send(
    new PutCommand({
      TableName: tableName(),
      Item: { pk: keys.legacyUser(userName), sk: keys.item(), passwordHash, fields },
    }),
  );
}

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
export class HttpLegacyStore implements LegacyUserStore {
  constructor(private readonly options: HttpStoreOptions) {}

  authenticate(userName: string, password: string) {
    return this.call({ action: 'authenticate', username: userName, password });
  }

  lookup(userName: string) {
    return this.call({ action: 'lookup', username: userName });
  }

  async markMigrated(userName: string) {
    const response = await this.post({ action: 'migrated', username: userName });
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

  private async post(body: Record<string, string>): Promise<Response> {
    const { authorization: source } = this.options;
    const authorization = typeof source === 'function' ? await source() : source;
    return fetch(this.options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
  }
}
