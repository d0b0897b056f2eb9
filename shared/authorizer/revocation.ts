import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { SimpleLruCache } from 'aws-jwt-verify/cache';
import { RevocationUnavailableError } from '../errors/index.js';
import { keys } from '../storage/keys.js';
import { isExpired } from '../storage/table.js';
import type { ReasonCode } from './request.js';

/**
 * Revocation items in the single table:
 * - `pk = REVOKED#<jti>, sk = ITEM`, `expiresAt` = the token's `exp` (no use keeping it longer);
 *   a refresh token's id revokes every token minted from it, whose `origin_jti` it is;
 * - `pk = USER#<sub>, sk = SIGNED_OUT_AT`, `signedOutAt` (epoch seconds): tokens issued
 *   (`iat`) at or before it are refused (sign out everywhere).
 * The authorizer only reads them; `./revoke.ts` writes them (kept apart so that the authorizer's
 * bundle holds no code that writes).
 */
export const SIGNED_OUT_AT_ATTRIBUTE = 'signedOutAt';

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * Checks a verified token against the revocation items, with a short in-memory cache of each
 * answer (revoked or not, sign-out time or none), so a warm authorizer reads each item at most
 * once per interval: a revocation takes effect within that interval.
 */
export class RevocationCheck {
  private readonly revoked = new SimpleLruCache<string, Cached<boolean>>(10_000);
  private readonly signedOut = new SimpleLruCache<string, Cached<number | undefined>>(10_000);

  constructor(
    private readonly client: () => DynamoDBDocumentClient,
    private readonly table: () => string,
    private readonly cacheSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The reason to refuse the token, or undefined when it stands. */
  async check(claims: Record<string, unknown>): Promise<ReasonCode | undefined> {
    const ids = [claims.jti, claims.origin_jti].filter(
      (id): id is string => typeof id === 'string' && id !== '',
    );
    const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
    const [revoked, signedOutAt] = await Promise.all([
      Promise.all(ids.map((id) => this.isRevoked(id))),
      sub ? this.signedOutAt(sub) : undefined,
    ]);
    if (revoked.includes(true)) return 'REVOKED';
    // `<=`: `iat` and the sign-out time have one-second resolution, so a token issued in the
    // second of the sign-out may be from before it; refusing it costs at most one more sign-in.
    const issuedAt = typeof claims.iat === 'number' ? claims.iat : 0;
    if (signedOutAt !== undefined && issuedAt <= signedOutAt) return 'SIGNED_OUT';
    return undefined;
  }

  private isRevoked(jti: string): Promise<boolean> {
    return this.cached(this.revoked, jti, async () => {
      const item = await this.get(keys.revokedToken(jti), keys.item());
      return item !== undefined && !isExpired(item, this.now());
    });
  }

  private signedOutAt(sub: string): Promise<number | undefined> {
    return this.cached(this.signedOut, sub, async () => {
      const at = (await this.get(keys.user(sub), keys.signedOutAt()))?.[SIGNED_OUT_AT_ATTRIBUTE];
      return typeof at === 'number' ? at : undefined;
    });
  }

  private async cached<T>(
    cache: SimpleLruCache<string, Cached<T>>,
    key: string,
    read: () => Promise<T>,
  ): Promise<T> {
    const hit = cache.get(key);
    const now = this.now();
    if (hit && hit.until > now) return hit.value;
    const value = await read();
    cache.set(key, { value, until: now + this.cacheSeconds * 1000 });
    return value;
  }

  private async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.client().send(new GetCommand({ TableName: this.table(), Key: { pk, sk } }));
      return Item;
    } catch (error) {
      throw new RevocationUnavailableError(error);
    }
  }
}
