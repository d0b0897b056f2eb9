import { logger } from '../logging/index.js';
import { countMetric, METRIC } from '../observability/metrics.js';
import { nowSeconds } from '../storage/table.js';
import { attemptFacts, locateHistory, verifiedContext } from './facts.js';
import type { GeoLookup } from './geo.js';
import type { StoredAssessment } from './model.js';
import {
  type AttemptFacts,
  CURRENT_SIGN_IN_MARGIN_MS,
  type EvaluationInput,
  emptyHistory,
  type IpActivity,
} from './model.js';
import { evaluateRisk, unavailableDecision, withAction } from './scoring.js';
import type { RiskConfig } from './settings.js';
import { NEVER_SEEN, newDevice } from './signals.js';
import type { RiskStore, SignInAssessment, SignInAssessmentUse, UserState } from './store.js';
import type { RiskDecision, RiskHooks, SignInAttempt, VerifiedContext } from './types.js';

/**
 * The engine with its I/O (what the sign-in triggers are given as `RiskHooks`): reads the history (one Query, and the per-IP
 * counter in parallel), scores with the pure `./scoring.ts`, records the assessment, and answers
 * the triggers. `./configured-engine.ts` builds it from the settings; `./contract.ts` is its
 * public contract.
 *
 * - `assess` in pre authentication (`phase` absent or `pre-authentication`) counts the attempt
 *   per user, and per IP when the IP is signed (Cognito's retry, `retried`, counts neither again);
 *   it keeps the assessment under the context's nonce.
 *   In define auth challenge (`phase: 'define-auth-challenge'`) it counts nothing and answers the
 *   assessment kept under the nonce of the context it is given, once per sign-in and attempt
 *   (`attemptId`: Cognito's retry of the call that took it gets it again); none found, or taken by
 *   another attempt: step-up (fail closed).
 * - `learn` in post authentication clears the user's attempt counter, pays back the one attempt
 *   this sign-in counted on its IP, and says whether to notify (a device never seen before; a
 *   high-risk sign-in that enforcement let through).
 * - A store that cannot be read gives the configured "assessment unavailable" level, or what the
 *   facts alone say when that is worse (a blocked range stays blocked).
 */
export interface RiskEngineDeps {
  store: RiskStore;
  geo?: GeoLookup;
  newEventId?: () => string;
}

/** Pre authentication's assessment younger than this is the one of this sign-in. */
const SAME_SIGN_IN_MS = 15 * 60_000;
/** Without a context, a success pays back the attempt pre authentication counted this long before at most. */
const UNLINKED_SUCCESS_MS = 60_000;
const DAY_SECONDS = 86_400;

export interface RiskEngine extends RiskHooks {
  config: RiskConfig;
}

export function createRiskEngine(config: RiskConfig, deps: RiskEngineDeps): RiskEngine {
  const newEventId = deps.newEventId ?? (() => crypto.randomUUID());
  const windowMs = config.windowMinutes * 60_000;
  const windowOf = (at: number) => Math.floor(at / windowMs) * windowMs;
  const counterExpiry = (windowStart: number) => nowSeconds(windowStart + 2 * windowMs);
  const stateExpiry = (at: number) => nowSeconds(at) + config.stateDays * DAY_SECONDS;
  // Post authentication of a sign-in without a challenge (USER_PASSWORD_AUTH, managed login) is
  // never given a context: InitiateAuth's ClientMetadata reaches pre authentication only. Its
  // absence there is Cognito's doing, not a signal; a forged or stale context still is one.
  const learnConfig: RiskConfig = { ...config, weights: { ...config.weights, contextMissing: 0 } };

  const stored = (
    attempt: SignInAttempt,
    facts: AttemptFacts,
    decision: RiskDecision,
    eventId: string,
    countedIp?: string,
  ): StoredAssessment => ({
    eventId,
    at: attempt.at,
    clientId: attempt.clientId,
    decision,
    ...(facts.ipText ? { ip: facts.ipText, network: facts.network } : {}),
    ...(facts.deviceId ? { deviceId: facts.deviceId } : {}),
    ...(facts.country ? { country: facts.country } : {}),
    ...(countedIp ? { countedIp } : {}),
  });

  function log(message: string, decision: RiskDecision, extra: Record<string, unknown> = {}) {
    // One decision per sign-in: define auth challenge reusing pre authentication's is not another.
    if (message === 'risk assessed' && extra.reused !== true) {
      countMetric(
        METRIC.riskDecision,
        { level: decision.level, action: decision.action },
        { action: decision.action },
      );
    }
    logger.info(message, {
      risk: {
        mode: config.mode,
        level: decision.level,
        score: decision.score,
        action: decision.action,
        ...(decision.wouldTake ? { wouldTake: decision.wouldTake } : {}),
        reasons: decision.reasons,
        ...extra,
      },
    });
  }

  /**
   * Migration flags a breached password on the PROFILE keyed by the userName (the user had no
   * `sub` yet). At a user's first sign-in (no history) under a `sub`, that item is read too;
   * learn then carries the flag over to the `sub`'s profile, where the one Query finds it.
   * Answers true when the flag was found there.
   */
  async function readMigrationFlag(attempt: SignInAttempt, state: UserState): Promise<boolean> {
    // An unknown user (keyed by the name already) reads it too: a known user's first sign-in
    // must not cost one read more than a name nobody has (enumeration by timing).
    if (state.history.compromisedCredentials || state.history.signIns.length > 0) return false;
    const flagged = await deps.store.readNameProfileFlag(attempt.userName);
    if (flagged) state.history.compromisedCredentials = true;
    return flagged;
  }

  /**
   * The history could not be read: the configured level, unless the facts alone (a blocked
   * range, a forged context) say worse. An outage never downgrades what needs no store.
   */
  function withoutHistory(facts: AttemptFacts, detail: string): RiskDecision {
    const unavailable = unavailableDecision(config, detail);
    const alone = evaluateRisk({ attempt: facts, history: emptyHistory() }, config);
    if (alone.score <= unavailable.score) return unavailable;
    return { ...alone, reasons: [...alone.reasons, { signal: 'assessment-unavailable', points: 0, detail }] };
  }

  /** The sign-in's own assessment was not found: the second factor is asked for (fail closed). */
  function stepUpRequired(detail: string, eventId: string): RiskDecision {
    const score = config.mediumThreshold;
    const reasons = [{ signal: 'assessment-not-found', points: score, detail }];
    return config.mode === 'enforce'
      ? { level: 'medium', score, action: 'step-up', reasons, eventId }
      : { level: 'medium', score, action: 'allow', wouldTake: 'step-up', reasons, eventId };
  }

  /**
   * Pre authentication's assessment of this very sign-in, by the nonce of its believed context,
   * taken once per use: a context replayed at define auth challenge or post authentication
   * finds nothing (step-up; no second pay-back of the IP). Taken by an attempt (`attemptId`), it
   * is that attempt's: Cognito's retry of the call that took it finds it again.
   */
  async function findOwnAssessment(
    attempt: SignInAttempt,
    facts: AttemptFacts,
    use: SignInAssessmentUse,
  ): Promise<SignInAssessment | undefined> {
    if (!facts.nonce) return undefined;
    const found = await deps.store.takeSignInAssessment(
      facts.nonce,
      attempt.userId,
      use,
      attempt.at,
      attempt.attemptId,
    );
    const age = attempt.at - (found?.at ?? 0);
    return found &&
      found.clientId === attempt.clientId &&
      age >= -CURRENT_SIGN_IN_MARGIN_MS &&
      age <= SAME_SIGN_IN_MS
      ? found
      : undefined;
  }

  /**
   * Define auth challenge: the decision pre authentication made for this sign-in, else step-up.
   * Given once per sign-in and attempt: the retry of the call that took it gets the same decision
   * (counting nothing, as no define does); any other use of the context steps up.
   */
  async function decisionOfSignIn(attempt: SignInAttempt, facts: AttemptFacts): Promise<RiskDecision> {
    let found: SignInAssessment | undefined;
    try {
      found = await findOwnAssessment(attempt, facts, 'decided');
    } catch (error) {
      logger.warn('risk assessment of the sign-in unavailable', { error: String(error) });
    }
    const decision = found
      ? { ...withAction(found.level, found.score, found.reasons, config), eventId: found.eventId }
      : stepUpRequired(
          facts.nonce ? 'no assessment under this context' : `context ${facts.signature}: no assessment id`,
          newEventId(),
        );
    log('risk assessed', decision, { eventId: decision.eventId, reused: found !== undefined });
    return decision;
  }

  async function assess(attempt: SignInAttempt): Promise<RiskDecision> {
    const facts = attemptFacts(attempt, config, deps.geo);
    if (attempt.phase === 'define-auth-challenge') return decisionOfSignIn(attempt, facts);
    const starting = attempt.phase === undefined || attempt.phase === 'pre-authentication';
    // Cognito's retry of pre authentication is the same attempt: its first call counted it.
    const counting = starting && attempt.retried !== true;
    // Per-IP counters count only an IP a signer saw: a claimed one could be omitted or rotated.
    // A retry names it as counted too, so that the success pays back the first call's count.
    const countedIp = starting && facts.signature === 'valid' ? facts.ipText : undefined;
    const windowStart = windowOf(attempt.at);
    const eventId = newEventId();
    let state: UserState;
    let ipActivity: IpActivity | undefined;
    try {
      [state, ipActivity] = await Promise.all([
        deps.store.loadUser(attempt.userId, attempt.at, windowStart),
        countedIp && counting
          ? deps.store.countIpAttempt(
              countedIp,
              attempt.userId,
              windowStart,
              counterExpiry(windowStart),
              attempt.at,
            )
          : Promise.resolve(undefined),
      ]);
      await readMigrationFlag(attempt, state);
    } catch (error) {
      const decision = { ...withoutHistory(facts, 'history could not be read'), eventId };
      logger.warn('risk history unavailable', { error: String(error) });
      log('risk assessed', decision, { eventId });
      return decision;
    }
    if (state.truncated) logger.warn('risk history truncated', { limit: config.historyLimit });
    const history = locateHistory(state.history, deps.geo);
    const decision = {
      ...evaluateRisk({ attempt: facts, history, ...(ipActivity ? { ipActivity } : {}) }, config),
      eventId,
    };
    log('risk assessed', decision, { eventId });
    const writes: Promise<unknown>[] = [
      deps.store.saveAssessment(
        attempt.userId,
        stored(attempt, facts, decision, eventId, countedIp),
        counting
          ? { kind: 'attempt', windowStart, sameWindow: state.latest?.windowStart === windowStart }
          : { kind: 'none' },
        stateExpiry(attempt.at),
      ),
    ];
    if (starting && facts.nonce) {
      writes.push(
        deps.store.saveSignInAssessment(facts.nonce, attempt.userId, {
          eventId,
          at: attempt.at,
          clientId: attempt.clientId,
          level: decision.level,
          score: decision.score,
          reasons: decision.reasons,
          ...(countedIp ? { countedIp } : {}),
          expiresAt: nowSeconds(attempt.at + SAME_SIGN_IN_MS),
        }),
      );
    }
    // The decision stands if recording it fails: that is bookkeeping, and failing the sign-in
    // for it would be worse. Without the sign-in's assessment, define auth challenge steps up.
    for (const result of await Promise.allSettled(writes)) {
      if (result.status === 'rejected')
        logger.warn('risk assessment not recorded', { error: String(result.reason) });
    }
    return decision;
  }

  /**
   * The IP whose counted attempt this success pays back: the one pre authentication counted for
   * this sign-in (by the context's nonce), or, without a context (USER_PASSWORD_AUTH), the one
   * it counted for this user moments ago. Never an IP the success merely names.
   */
  function paidBackIp(own: SignInAssessment | undefined, facts: AttemptFacts, state: UserState) {
    if (facts.nonce) return own?.countedIp;
    const latest = state.latest;
    const age = facts.at - Number(latest?.at);
    return typeof latest?.countedIp === 'string' && age >= 0 && age <= UNLINKED_SUCCESS_MS
      ? latest.countedIp
      : undefined;
  }

  async function learn(
    attempt: SignInAttempt,
  ): Promise<{ notify?: 'new-device' | 'high-risk'; decision?: RiskDecision }> {
    const facts = attemptFacts(attempt, config, deps.geo);
    const windowStart = windowOf(attempt.at);
    let state: UserState;
    let own: SignInAssessment | undefined;
    try {
      [state, own] = await Promise.all([
        deps.store.loadUser(attempt.userId, attempt.at, windowStart),
        findOwnAssessment(attempt, facts, 'learned'),
      ]);
      if (await readMigrationFlag(attempt, state)) await deps.store.carryCompromisedFlag(attempt.userId);
    } catch (error) {
      logger.warn('risk history unavailable', { error: String(error) });
      return { decision: unavailableDecision(config, 'history could not be read') };
    }
    const input: EvaluationInput = { attempt: facts, history: locateHistory(state.history, deps.geo) };
    const eventId = own?.eventId ?? newEventId();
    const decision = {
      ...(own ? withAction(own.level, own.score, own.reasons, config) : evaluateRisk(input, learnConfig)),
      eventId,
    };
    const writes: Promise<unknown>[] = [
      deps.store.saveAssessment(
        attempt.userId,
        stored(attempt, facts, decision, eventId),
        { kind: 'success' },
        stateExpiry(attempt.at),
      ),
    ];
    const paidBack = paidBackIp(own, facts, state);
    if (paidBack)
      writes.push(
        deps.store.recordIpSuccess(paidBack, attempt.userId, windowStart, counterExpiry(windowStart)),
      );
    const results = await Promise.allSettled(writes);
    for (const result of results) {
      if (result.status === 'rejected')
        logger.warn('risk success not recorded', { error: String(result.reason) });
    }
    const notify = notification(input, decision);
    log('risk learned', decision, { eventId, ...(notify ? { notify } : {}) });
    return { ...(notify ? { notify } : {}), decision };
  }

  function notification(
    input: EvaluationInput,
    decision: RiskDecision,
  ): 'new-device' | 'high-risk' | undefined {
    if (
      config.mode === 'enforce' &&
      (decision.level === 'high' || config.actions[decision.level] === 'notify')
    ) {
      return 'high-risk';
    }
    if (!config.notifyNewDevice) return undefined;
    const neverSeen = newDevice(input, config).some(
      (r) => r.signal === 'new-device' && r.detail?.startsWith(NEVER_SEEN),
    );
    return neverSeen ? 'new-device' : undefined;
  }

  const verify = async (attempt: SignInAttempt): Promise<VerifiedContext> => verifiedContext(attempt, config);

  return { config, assess, learn, verify };
}
