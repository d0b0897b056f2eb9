/**
 * The key layout of the single table, in one place so that concerns never collide. Every
 * concern builds its keys here. `pk`/`sk` are the table's keys.
 *
 * Users are keyed by their `sub` when Cognito sends it, else by their lower-cased userName in
 * a separate key space (`USER#NAME#<name>`: migration, unknown users), through `userKey`.
 */
export const keys = {
  /** Partition of everything Gatehouse keeps about one user. */
  user: (userId: string) => `USER#${userId}`,
  profile: () => 'PROFILE',
  /** Sign-in history: sorts by time, so the newest N are one Query away. */
  signIn: (isoTime: string, id: string) => `SIGNIN#${isoTime}#${id}`,
  signInPrefix: () => 'SIGNIN#',
  /** Which SIGNIN# item one sign-in wrote (retries of post authentication find it). Not under SIGNIN#. */
  signInMarker: (id: string) => `SIGNIN_ID#${id}`,
  device: (deviceKey: string) => `DEVICE#${deviceKey}`,
  devicePrefix: () => 'DEVICE#',
  /**
   * The partition of one sign-in identity (`identityKey`): a known user by `sub`, any other name
   * by its lower-cased text. The kind is part of the key, so no typed name can ever reach a known
   * user's items: lockout counters and locks, familiar places, custom-auth challenges.
   */
  identity: (kind: 'sub' | 'name', id: string) => `IDENTITY#${kind}#${id}`,
  /** Failed sign-in attempts of one side (familiar / unfamiliar places) in one fixed window. */
  failedAttempts: (side: string, windowStart: number) => `FAILED#${side}#${windowStart}`,
  /** The lock of one side (attribute `lockedUntil`, epoch milliseconds). */
  lockedSide: (side: string) => `LOCKED#${side}`,
  /** A device or network the user signed in from with verified facts (smart lockout's familiar places). */
  knownPlace: (kind: 'device' | 'network', value: string) => `PLACE#${kind}#${value}`,
  /** Measured delivery times of sign-in codes, shared by all containers (the decoy pause draws from them). */
  deliveryTimings: () => 'TIMING#delivery',
  /** Post-confirmation progress: which onboarding steps are done (retry safety). */
  onboarding: () => 'ONBOARDING',
  /** The operator's resend of a user's welcome mail (beside `onboarding`): its claim, and its outbox entry's item. */
  welcomeResend: () => 'ONBOARDING#welcome-resend',
  /** Welcome mails the outbox closed (outcome unknown, or every attempt failed), sk `user(sub)`: the operator's resend list. */
  closedWelcomes: () => 'WELCOME#closed',
  /**
   * The onboarding outbox: one entry per item whose effects (groups, mails) are not all settled,
   * spread over a few shard partitions that the sweeper Queries; sk `outboxEntry(pk, sk)` of the
   * item the effects are claimed on.
   */
  outbox: (shard: number) => `OUTBOX#${shard}`,
  outboxEntry: (pk: string, sk: string) => `ENTRY#${pk}#${sk}`,
  /** A security event of a user; `id` tells apart two events of one kind at one time. */
  securityEvent: (isoTime: string, kind: string, id?: string) =>
    `SECURITY#${isoTime}#${kind}${id === undefined ? '' : `#${id}`}`,
  /** One password reset, keyed by a digest of its post-confirmation event: its retries find it. */
  passwordReset: (eventDigest: string) => `RESET#${eventDigest}`,
  securityEventPrefix: () => 'SECURITY#',
  /** Risk engine state per user: trusted/distrusted devices and networks, feedback. */
  risk: (kind: string, value: string) => `RISK#${kind}#${value}`,
  /** The latest risk assessment of a user: `level` (pre token generation's `risk_level` claim), score, reasons. */
  riskAssessment: () => 'RISK#latest#assessment',
  /** Operator feedback on a device or a network (`networkOf`): attribute `trust` = trusted | distrusted. */
  riskDevice: (deviceId: string) => `RISK#device#${deviceId}`,
  riskNetwork: (network: string) => `RISK#network#${network}`,
  /** Tokens issued before this time are refused by the authorizer. */
  signedOutAt: () => 'SIGNED_OUT_AT',
  /** Tenants (pre authentication: suspended tenants). */
  tenant: (tenantId: string) => `TENANT#${tenantId}`,
  invite: (code: string) => `INVITE#${code}`,
  /** Fixed-window counters (sign-up velocity, attempts per IP). */
  rate: (scope: string, subject: string) => `RATE#${scope}#${subject}`,
  window: (windowStart: number) => `WINDOW#${windowStart}`,
  legacyUser: (userName: string) => `LEGACY#${userName.toLowerCase()}`,
  /** A legacy user's address (lower-cased), pointing at its `legacyUser` item. */
  legacyEmail: (email: string) => `LEGACY_EMAIL#${email.toLowerCase()}`,
  /** A signal for the risk engine in an `IP#` partition (e.g. failed invitation codes), per window. */
  signal: (kind: string, windowStart: number) => `SIGNAL#${kind}#${windowStart}`,
  signalPrefix: (kind: string) => `SIGNAL#${kind}#`,
  revokedToken: (jti: string) => `REVOKED#${jti}`,
  /** Custom-auth challenges and magic links, consumed once (in the `identity` partition). */
  challenge: (id: string) => `CHALLENGE#${id}`,
  /** Idempotency marker of an asynchronous send (custom senders), keyed by a hash of the event. */
  sent: (digest: string) => `SENT#${digest}`,
  /**
   * Pre authentication's assessment of one sign-in, by the nonce of its signed context (partition
   * of its own, so that a user's partition Query never reads them); sort key `user(userId)`.
   */
  signInContext: (nonce: string) => `CONTEXT#${nonce}`,
  /** One stage's use of a signed context, in its `signInContext` partition (claimed once: replay). */
  contextUse: (stage: string) => `USE#${stage}`,
  /** Per-IP state for the risk engine (attempts on many accounts). */
  ip: (ip: string) => `IP#${ip}`,
  /**
   * Every risk assessment of a user, kept apart from `USER#<id>` so that the engine's one Query
   * of that partition never reads them: sk `EVENT#<iso>#<eventId>`, newest last.
   */
  riskLog: (userId: string) => `RISKLOG#${userId}`,
  riskLogEvent: (isoTime: string, eventId: string) => `EVENT#${isoTime}#${eventId}`,
  riskLogPrefix: () => 'EVENT#',
  /** Sign-ins by risk level for the whole pool: one counter item per day and shard. */
  riskDaily: () => 'RISKSTATS#levels',
  riskDay: (day: string, shard: number) => `DAY#${day}#${shard}`,
  /** What operators did to a user (the console's audit trail): sk `ACTION#<iso>#<id>`. */
  audit: (userId: string) => `AUDIT#${userId}`,
  auditAction: (isoTime: string, id: string) => `ACTION#${isoTime}#${id}`,
  auditPrefix: () => 'ACTION#',
  /** The sort key of single-item partitions. */
  item: () => 'ITEM',
} as const;

/**
 * The id of a user known only by the userName (migration, unknown users): the lower-cased name
 * in a key space of its own, `NAME#<name>`. A `sub` is a Cognito UUID and never holds `#`, so a
 * user whose userName equals another user's `sub` can never reach that user's items.
 */
export function userNameId(userName: string): string {
  return `NAME#${userName.toLowerCase()}`;
}

/** The stable id of a user in this table: `sub` when known, else `userNameId(userName)`. */
export function userKey(userAttributes: Record<string, string> | undefined, userName: string): string {
  return userAttributes?.sub ?? userNameId(userName);
}
