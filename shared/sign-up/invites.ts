import { randomBytes } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { logger } from '../logging/index.js';
import { FAILED_INVITE_SIGNAL } from '../risk/hooks.js';
import { keys } from '../storage/keys.js';
import { documentClient, isExpired, nowSeconds, tableName } from '../storage/table.js';
import { asciiDomainPattern } from './ascii-domain.js';
import { domainMatches } from './domains.js';
import { rejectSignUp } from './messages.js';
import type { SignUpSettings } from './settings.js';
import { exceedsAny, windowStartOf } from './velocity.js';

/**
 * An invitation: `INVITE#<code>` / `ITEM`. Optionally bound to one address (`email`) or to a
 * domain pattern (`domain`, wildcards allowed). `expiresAt` (epoch seconds) is required so that
 * forgotten invites die; `consumedAt`/`consumedBy` are set by the one sign-up that used it.
 */
export interface Invite {
  code: string;
  email?: string;
  domain?: string;
  expiresAt: number;
  consumedAt?: number;
  consumedBy?: string;
}

/** The invite code an app passes, in validationData first, then clientMetadata. */
export function inviteCodeOf(
  validationData: Record<string, string> | null | undefined,
  clientMetadata: Record<string, string> | undefined,
): string | undefined {
  const code = (validationData?.inviteCode ?? clientMetadata?.inviteCode)?.trim();
  return code ? code : undefined;
}

const CHARACTER_CLASSES: Array<[RegExp, number]> = [
  [/[0-9]/, 10],
  [/[a-z]/, 26],
  [/[A-Z]/, 26],
  [/[^0-9a-zA-Z]/, 33],
];

/**
 * An upper bound of a code's entropy in bits: its length times log2 of the character classes
 * it uses (digits 10, lower 26, upper 26, other 33). Enough to refuse short and one-class codes;
 * a hand-made code can still be guessable, which is why `generateInviteCode` exists.
 */
export function inviteCodeEntropyBits(code: string): number {
  const pool = CHARACTER_CLASSES.reduce((sum, [pattern, size]) => sum + (pattern.test(code) ? size : 0), 0);
  return pool === 0 ? 0 : [...code].length * Math.log2(pool);
}

/** Fewer distinct characters than this and a code is a pattern (`aaaa…`, `abab…`), not a secret. */
const MIN_DISTINCT_CHARACTERS = 8;

/** A random code of 130 bits: 26 characters of Crockford's base32, in groups of four to read aloud. */
export function generateInviteCode(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const bytes = randomBytes(26);
  const characters = [...bytes].map((byte) => alphabet[byte & 31]);
  return characters.join('').replace(/(.{4})(?=.)/g, '$1-');
}

/**
 * Stores a new invite (admin tooling, tests and the demo) and answers its code: the one given,
 * if it has at least `minEntropyBits` by `inviteCodeEntropyBits` and 8 distinct characters, else
 * a generated one when none is given. Fails if the code exists.
 */
export async function createInvite(
  invite: Omit<Invite, 'code' | 'consumedAt' | 'consumedBy'> & { code?: string },
  settings: Pick<SignUpSettings, 'inviteMinEntropyBits'>,
): Promise<string> {
  const code = invite.code ?? generateInviteCode();
  const bits = inviteCodeEntropyBits(code);
  if (bits < settings.inviteMinEntropyBits || new Set(code).size < MIN_DISTINCT_CHARACTERS) {
    throw new RangeError(
      `invite code too weak: about ${Math.floor(bits)} bits and ${new Set(code).size} distinct characters, ` +
        `need ${settings.inviteMinEntropyBits} bits and ${MIN_DISTINCT_CHARACTERS} (omit the code to generate one)`,
    );
  }
  const domain = invite.domain === undefined ? undefined : asciiDomainPattern(invite.domain);
  if (invite.domain !== undefined && domain === undefined) {
    throw new RangeError(`invite domain is not a domain name: ${JSON.stringify(invite.domain)}`);
  }
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: keys.invite(code), sk: keys.item() },
      UpdateExpression: 'SET #expiresAt = :expiresAt, #email = :email, #domain = :domain, #createdAt = :now',
      ConditionExpression: 'attribute_not_exists(pk)',
      ExpressionAttributeNames: {
        '#expiresAt': 'expiresAt',
        '#email': 'email',
        '#domain': 'domain',
        '#createdAt': 'createdAt',
      },
      ExpressionAttributeValues: {
        ':expiresAt': invite.expiresAt,
        ':email': invite.email?.trim().toLowerCase() ?? null,
        ':domain': domain ?? null,
        ':now': nowSeconds(),
      },
    }),
  );
  return code;
}

/** Who tries a code: the address (the username without one) and the IP bucket. */
export interface InviteAttempt {
  code: string;
  /** Lower-cased email, '' without one. */
  email: string;
  /** The email's ASCII domain, the form invite domains are kept in. */
  domain: string | undefined;
  userName: string;
  ip: string | undefined;
}

type InviteSettings = Pick<
  SignUpSettings,
  'maxInviteAttemptsPerIp' | 'maxInviteAttemptsPerAddress' | 'maxInviteAttempts' | 'velocityWindowSeconds'
>;

/**
 * Throttles, checks and consumes the invite. Every attempt counts, per IP, per address and in
 * all (so neither leaving out the IP nor rotating addresses buys more guesses); a refused code
 * leaves a failed-invite signal (`recordFailedInvite`).
 */
export async function redeemInvite(attempt: InviteAttempt, settings: InviteSettings, now: number) {
  const window = settings.velocityWindowSeconds;
  const address = attempt.email || attempt.userName.toLowerCase();
  const throttled = await exceedsAny(
    [
      { scope: 'invite-ip', subject: attempt.ip, max: settings.maxInviteAttemptsPerIp },
      { scope: 'invite-address', subject: address, max: settings.maxInviteAttemptsPerAddress },
      { scope: 'invite-all', subject: 'all', max: settings.maxInviteAttempts },
    ],
    window,
    now,
  );
  try {
    if (throttled) throw rejectSignUp('SIGNUP_INVITE_TOO_MANY_ATTEMPTS');
    await consumeInvite(attempt, now);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SIGNUP_INVITE_')) {
      await recordFailedInvite(attempt.ip, code, windowStartOf(window, now), window);
    }
    throw error;
  }
}

/**
 * Checks the invite and consumes it with one conditional write: of two sign-ups racing with one
 * code, exactly one passes the condition; the other is refused as if the code were used.
 */
export async function consumeInvite(
  { code, email, domain, userName }: Omit<InviteAttempt, 'ip'>,
  now = Date.now(),
) {
  const key = { pk: keys.invite(code), sk: keys.item() };
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }),
  );
  const invite = Item as Invite | undefined;
  if (!invite || invite.consumedAt !== undefined || isExpired(invite, now)) {
    throw rejectSignUp('SIGNUP_INVITE_INVALID');
  }
  if (!inviteFits(invite, email, domain)) throw rejectSignUp('SIGNUP_INVITE_WRONG_EMAIL');
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression: 'SET consumedAt = :now, consumedBy = :user',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(consumedAt) AND expiresAt > :now',
        ExpressionAttributeValues: { ':now': nowSeconds(now), ':user': userName },
      }),
    );
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException')
      throw rejectSignUp('SIGNUP_INVITE_INVALID');
    throw error;
  }
}

/**
 * The failed-invite signal: a log line (`signal: failed-invite`) and, when the IP is known, a
 * counter in that IP's risk partition (`IP#<bucket>` / `SIGNAL#failed-invite#<windowStart>`,
 * `count`, expiring a window after its own), where the risk engine reads it for a sign-in from
 * that IP (signal `ip-failed-invites`). A failure to store it is logged and does not change the
 * answer.
 */
export async function recordFailedInvite(
  ip: string | undefined,
  reason: string,
  windowStart: number,
  windowSeconds: number,
) {
  logger.warn('invite code refused', { signal: FAILED_INVITE_SIGNAL, reason, ...(ip ? { ip } : {}) });
  if (!ip) return;
  await documentClient()
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: keys.ip(ip), sk: keys.signal(FAILED_INVITE_SIGNAL, windowStart) },
        UpdateExpression: 'ADD #count :one SET expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':expiresAt': windowStart + 2 * windowSeconds },
      }),
    )
    .catch((error: Error) => logger.warn('could not store the failed-invite signal', { error: error.name }));
}

function inviteFits(invite: Invite, email: string, domain: string | undefined): boolean {
  if (invite.email) return invite.email === email;
  if (invite.domain) return domain !== undefined && domainMatches(domain, invite.domain);
  return true;
}
