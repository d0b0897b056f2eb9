import { logger } from '../logging/index.js';
import { nowSeconds } from '../storage/table.js';
import { evaluateRisk, unavailableDecision, withAction } from './engine.js';
import { attemptFacts, locateHistory } from './facts.js';
import type { GeoLookup } from './geo.js';
import type { RiskDecision, RiskHooks, SignInAttempt } from './hooks.js';
import type { AttemptFacts, EvaluationInput, IpActivity } from './model.js';
import type { RiskConfig } from './settings.js';
import { NEVER_SEEN, newDevice } from './signals.js';
import type { RiskStore, StoredAssessment, UserState } from './store.js';

/**
 * The engine behind `riskHooks()`: reads the history (one Query, and the per-IP counter in
 * parallel), scores with the pure engine, records the assessment, and answers the triggers.
 *
 * - `assess` in pre authentication (`phase` absent or `pre-authentication`) counts the attempt
 *   per user and per IP. In define auth challenge (`phase: 'define-auth-challenge'`) it counts
 *   nothing and reuses the assessment pre authentication made for this sign-in.
 * - `learn` in post authentication clears the user's attempt counter, counts a success for
 *   the IP, and says whether to notify (a device never seen before; a high-risk sign-in that
 *   enforcement let through).
 * - A store that cannot be read gives the configured "assessment unavailable" level.
 */
export interface RiskEngineDeps {
  store: RiskStore;
  geo?: GeoLookup;
  newEventId?: () => string;
}

/** A pre-authentication assessment younger than this, for the same IP and device, is this sign-in's. */
const SAME_SIGN_IN_MS = 10 * 60_000;
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

  const stored = (
    attempt: SignInAttempt,
    facts: AttemptFacts,
    decision: RiskDecision,
    eventId: string,
  ): StoredAssessment => ({
    eventId,
    at: attempt.at,
    clientId: attempt.clientId,
    decision,
    ...(facts.ipText ? { ip: facts.ipText, network: facts.network } : {}),
    ...(facts.deviceId ? { deviceId: facts.deviceId } : {}),
    ...(facts.country ? { country: facts.country } : {}),
  });

  function log(message: string, decision: RiskDecision, extra: Record<string, unknown> = {}) {
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

  /** The assessment pre authentication made for this very sign-in, if any. */
  function sameSignIn(latest: UserState['latest'], facts: AttemptFacts): RiskDecision | undefined {
    if (!latest || typeof latest.at !== 'number') return undefined;
    const recent = facts.at - latest.at >= 0 && facts.at - latest.at <= SAME_SIGN_IN_MS;
    if (!recent || latest.ip !== facts.ipText || latest.deviceId !== facts.deviceId) return undefined;
    const { level, score, reasons } = latest as unknown as RiskDecision;
    if (!level || typeof score !== 'number' || !Array.isArray(reasons)) return undefined;
    // Its action under the current mode and actions.
    return withAction(level, score, reasons, config);
  }

  /**
   * Migration flags a breached password on the PROFILE keyed by the userName (the user had no
   * `sub` yet). At a user's first sign-in (no history) under a `sub`, that item is read too;
   * learn then carries the flag over to the `sub`'s profile, where the one Query finds it.
   * Answers true when the flag was found there.
   */
  async function readMigrationFlag(attempt: SignInAttempt, state: UserState): Promise<boolean> {
    const nameKey = attempt.userName.toLowerCase();
    if (
      state.history.compromisedCredentials ||
      state.history.signIns.length > 0 ||
      nameKey === attempt.userId
    ) {
      return false;
    }
    const flagged = await deps.store.readNameProfileFlag(attempt.userName);
    if (flagged) state.history.compromisedCredentials = true;
    return flagged;
  }

  async function assess(attempt: SignInAttempt): Promise<RiskDecision> {
    const facts = attemptFacts(attempt, config, deps.geo);
    const counting = attempt.phase === undefined || attempt.phase === 'pre-authentication';
    const windowStart = windowOf(attempt.at);
    const eventId = newEventId();
    let state: UserState;
    let ipActivity: IpActivity | undefined;
    try {
      [state, ipActivity] = await Promise.all([
        deps.store.loadUser(attempt.userId, attempt.at, windowStart),
        counting && facts.ipText
          ? deps.store.countIpAttempt(facts.ipText, attempt.userId, windowStart, counterExpiry(windowStart))
          : Promise.resolve(undefined),
      ]);
      await readMigrationFlag(attempt, state);
    } catch (error) {
      const decision = { ...unavailableDecision(config, 'history could not be read'), eventId };
      logger.warn('risk history unavailable', { error: String(error) });
      log('risk assessed', decision, { eventId });
      return decision;
    }
    if (state.truncated) logger.warn('risk history truncated', { limit: config.historyLimit });
    if (!counting) {
      const reused = sameSignIn(state.latest, facts);
      if (reused) {
        const decision = { ...reused, eventId: String(state.latest!.eventId) };
        log('risk assessed', decision, { eventId: decision.eventId, reused: true });
        return decision;
      }
    }
    const history = locateHistory(state.history, deps.geo);
    const decision = {
      ...evaluateRisk({ attempt: facts, history, ...(ipActivity ? { ipActivity } : {}) }, config),
      eventId,
    };
    log('risk assessed', decision, { eventId });
    try {
      await deps.store.saveAssessment(
        attempt.userId,
        stored(attempt, facts, decision, eventId),
        counting
          ? { kind: 'attempt', windowStart, sameWindow: state.latest?.windowStart === windowStart }
          : { kind: 'none' },
        stateExpiry(attempt.at),
      );
    } catch (error) {
      // The decision stands: recording it is bookkeeping, and failing the sign-in for it would be worse.
      logger.warn('risk assessment not recorded', { error: String(error) });
    }
    return decision;
  }

  async function learn(
    attempt: SignInAttempt,
  ): Promise<{ notify?: 'new-device' | 'high-risk'; decision?: RiskDecision }> {
    const facts = attemptFacts(attempt, config, deps.geo);
    const windowStart = windowOf(attempt.at);
    let state: UserState;
    try {
      state = await deps.store.loadUser(attempt.userId, attempt.at, windowStart);
      if (await readMigrationFlag(attempt, state)) await deps.store.carryCompromisedFlag(attempt.userId);
    } catch (error) {
      logger.warn('risk history unavailable', { error: String(error) });
      return { decision: unavailableDecision(config, 'history could not be read') };
    }
    const input: EvaluationInput = { attempt: facts, history: locateHistory(state.history, deps.geo) };
    const previous = sameSignIn(state.latest, facts);
    const eventId = previous ? String(state.latest!.eventId) : newEventId();
    const decision = { ...(previous ?? evaluateRisk(input, config)), eventId };
    const writes: Promise<unknown>[] = [
      deps.store.saveAssessment(
        attempt.userId,
        stored(attempt, facts, decision, eventId),
        { kind: 'success' },
        stateExpiry(attempt.at),
      ),
    ];
    if (facts.ipText)
      writes.push(
        deps.store.recordIpSuccess(facts.ipText, attempt.userId, windowStart, counterExpiry(windowStart)),
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

  return { config, assess, learn };
}
