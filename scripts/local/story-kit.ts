import type { FunctionLogLine, GatehouseStack, TriggerInvocation } from './stack.js';

/**
 * The machinery of the demo's story: steps that act, list the triggers each action ran with what
 * they decided, and check outcomes. The demo prints the steps; the e2e tests assert on the same
 * checks. Every check is strict: a failed one fails the step.
 */
export interface Check {
  label: string;
  ok: boolean;
  detail?: string;
}

export interface StepResult {
  title: string;
  /** The transcript lines of the step, in order. */
  lines: string[];
  checks: Check[];
  failed: Check[];
  durationMs: number;
}

export interface Outcome<T> {
  value?: T;
  error?: Error;
}

export interface StepRecorder {
  /** A line of the transcript. */
  note(line: string): void;
  /** Runs an action, then lists the triggers it ran and what their logs said. Never throws. */
  action<T>(label: string, run: () => Promise<T>): Promise<Outcome<T>>;
  check(label: string, ok: boolean, detail?: string): boolean;
  /** Trigger invocations recorded since the step began. */
  invocations(): readonly TriggerInvocation[];
}

/** Runs one step against the stack and returns its transcript and checks. */
export async function runStep(
  stack: GatehouseStack,
  title: string,
  body: (step: StepRecorder) => Promise<void>,
  print: (line: string) => void = () => undefined,
): Promise<StepResult> {
  const started = performance.now();
  const lines: string[] = [];
  const checks: Check[] = [];
  const stepMark = stack.tap.mark();
  const emit = (line: string) => {
    lines.push(line);
    print(line);
  };
  let logMark = stack.functionLogs().length;
  let tapMark = stepMark;
  const flushTriggers = async () => {
    // The functions' log lines reach us through serverless-offline's stdout a moment later.
    await new Promise((done) => setTimeout(done, 60));
    for (const invocation of stack.tap.since(tapMark)) emit(`    ${describeInvocation(invocation)}`);
    const logs = stack.functionLogs();
    for (const log of logs.slice(logMark)) {
      const line = describeLog(log);
      if (line) emit(`      ${line}`);
    }
    tapMark = stack.tap.mark();
    logMark = logs.length;
  };
  const recorder: StepRecorder = {
    note: (line) => emit(`  ${line}`),
    async action(label, run) {
      emit(`  → ${label}`);
      try {
        const value = await run();
        await flushTriggers();
        return { value };
      } catch (thrown) {
        const error = thrown instanceof Error ? thrown : new Error(String(thrown));
        await flushTriggers();
        emit(`    ← the app receives ${error.name}: ${error.message}`);
        return { error };
      }
    },
    check(label, ok, detail) {
      const check: Check = { label, ok, ...(detail ? { detail } : {}) };
      checks.push(check);
      const mark = ok ? '✓' : '✗';
      const suffix = ok || !detail ? '' : `: ${detail}`;
      emit(`  ${mark} ${label}${suffix}`);
      return ok;
    },
    invocations: () => stack.tap.since(stepMark),
  };
  emit('');
  emit(`▶ ${title}`);
  try {
    await body(recorder);
  } catch (thrown) {
    recorder.check('step completed', false, thrown instanceof Error ? thrown.message : String(thrown));
  }
  return {
    title,
    lines,
    checks,
    failed: checks.filter((check) => !check.ok),
    durationMs: performance.now() - started,
  };
}

/** The function name (`pre-sign-up`) of a Lambda name (`gatehouse-local-preSignUp`). */
export function functionOf(lambdaName: string): string {
  const key = lambdaName.split('-').pop() ?? lambdaName;
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** One transcript line per trigger invocation: which ran, on which source, and what it decided. */
export function describeInvocation(invocation: TriggerInvocation): string {
  const head = `⚡ ${functionOf(invocation.lambdaName)} (${invocation.triggerSource ?? 'no triggerSource'})`;
  if (invocation.error !== undefined) return `${head} refused: "${invocation.error}"`;
  const response = (invocation.response as { response?: Record<string, unknown> } | undefined)?.response;
  return `${head} → ${describeResponse(invocation.triggerSource ?? '', response ?? {})}`;
}

function describeResponse(source: string, response: Record<string, unknown>): string {
  if (source.startsWith('PreSignUp_')) {
    const flags = ['autoConfirmUser', 'autoVerifyEmail', 'autoVerifyPhone'].filter(
      (flag) => response[flag] === true,
    );
    return flags.length ? `allowed, ${flags.join(', ')}` : 'allowed (confirmation by code)';
  }
  if (source.startsWith('CustomMessage_')) {
    const subject = typeof response.emailSubject === 'string' ? response.emailSubject : '';
    const html = typeof response.emailMessage === 'string' ? response.emailMessage : '';
    const sms = typeof response.smsMessage === 'string' ? response.smsMessage : '';
    if (!subject && !html && !sms) return "Cognito's default message";
    return [
      subject && `subject "${subject}"`,
      html && `email ${html.length} chars`,
      sms && `SMS ${sms.length} chars`,
    ]
      .filter(Boolean)
      .join(', ');
  }
  if (source.startsWith('UserMigration_')) {
    const attributes = Object.keys((response.userAttributes as Record<string, unknown> | undefined) ?? {});
    if (!response.finalUserStatus && attributes.length === 0) return 'no user migrated';
    return `finalUserStatus ${String(response.finalUserStatus ?? '-')}, messageAction ${String(response.messageAction ?? '-')}, attributes: ${attributes.join(', ') || 'none'}`;
  }
  if (source.startsWith('TokenGeneration_')) {
    const details = (response.claimsOverrideDetails ??
      response.claimsAndScopeOverrideDetails ??
      {}) as Record<string, unknown>;
    const v1 = details.claimsToAddOrOverride as Record<string, unknown> | undefined;
    const id = (details.idTokenGeneration as { claimsToAddOrOverride?: Record<string, unknown> } | undefined)
      ?.claimsToAddOrOverride;
    const added = Object.keys({ ...v1, ...id });
    const suppressed = (details.claimsToSuppress as string[] | undefined) ?? [];
    if (!added.length && !suppressed.length) return 'tokens unchanged';
    return [
      added.length && `claims added: ${added.join(', ')}`,
      suppressed.length && `suppressed: ${suppressed.join(', ')}`,
    ]
      .filter(Boolean)
      .join('; ');
  }
  if (source.startsWith('DefineAuthChallenge_')) {
    if (response.issueTokens) return 'issue tokens';
    if (response.failAuthentication) return 'fail authentication';
    return response.challengeName ? `next challenge ${String(response.challengeName)}` : 'no decision';
  }
  if (source.startsWith('CreateAuthChallenge_')) {
    const visible = Object.keys(
      (response.publicChallengeParameters as Record<string, unknown> | undefined) ?? {},
    );
    return visible.length ? `challenge created (public: ${visible.join(', ')})` : 'no challenge created';
  }
  if (source.startsWith('VerifyAuthChallengeResponse_')) {
    return response.answerCorrect ? 'answer correct' : 'answer wrong';
  }
  return source.startsWith('Pre') ? 'allowed' : 'done';
}

/** Log fields that every line carries: not worth repeating in the transcript. */
const routineLogFields = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'sampling_rate',
  'function',
  'requestId',
  'triggerSource',
  'version',
  'userPoolId',
  'clientId',
  'stage',
  'xray_trace_id',
  'cold_start',
  'function_name',
  'function_memory_size',
  'function_arn',
  'function_request_id',
]);

/** A function's own decision lines (not its routine `completed` line), compactly. */
export function describeLog(log: FunctionLogLine): string | undefined {
  if (log.message === 'completed' && log.outcome !== 'failed') return undefined;
  const extra = Object.entries(log)
    .filter(([key]) => !routineLogFields.has(key))
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'string' ? value : (describeRisk(value) ?? JSON.stringify(value))}`,
    )
    .join(' ');
  return `${log.function ?? 'function'} log: ${log.message}${extra ? ` ${extra}` : ''}`;
}

/** A risk decision (`{mode, level, score, action, reasons}`) in one readable line. */
function describeRisk(value: unknown): string | undefined {
  const decision = value as {
    mode?: string;
    level?: string;
    score?: number;
    action?: string;
    wouldTake?: string;
    reasons?: { signal: string; points: number; detail?: string }[];
  };
  if (!decision || typeof decision !== 'object' || !decision.level || !Array.isArray(decision.reasons)) {
    return undefined;
  }
  const acts =
    decision.wouldTake && decision.wouldTake !== decision.action
      ? `${decision.action}, would ${decision.wouldTake}`
      : decision.action;
  const reasons = decision.reasons
    .map((reason) => `${reason.signal} +${reason.points}${reason.detail ? ` (${reason.detail})` : ''}`)
    .join(', ');
  return `${decision.level} ${decision.score}/100 [${decision.mode ?? '?'}: ${acts}]${reasons ? ` ← ${reasons}` : ''}`;
}
