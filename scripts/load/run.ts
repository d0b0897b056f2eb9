import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { UserFacingError } from '../../shared/errors/index.js';
import {
  createTable,
  type LocalDynamo,
  type LocalSes,
  localEnvironment,
  startLocalSes,
} from '../local/emulators.js';
import { functionLoaders, type LocalHandler, localContext } from '../local/registry.js';
import { sampleKeySettings } from '../local/sample-keys.js';
import { checkEffects, type EffectCheck, type Expected } from './effects.js';
import { type InjectedFault, installStubs, registerUser } from './overload.js';
import { events, issueAccessToken, type PoolUser, poolUser } from './pool.js';
import { countRoundTrips, type RoundTripCounter } from './round-trips.js';

/**
 * The load run: N users play sign-up → confirm → sign-in → token → protected call, `concurrency`
 * at a time, through the real function handlers (imported in-process, as Lambda would run them)
 * on dynalite and the SES emulator. Some users also replay a trigger as Cognito retries it, and
 * some get wrong passwords; then every effect is counted in the table and the mailbox.
 */
export interface LoadOptions {
  users: number;
  concurrency: number;
  /** The whole run (start, users, checks) stops starting users past this; checks always run. */
  timeLimitMs: number;
  /** Successful sign-ins per user (each with its own request id: one history record each). */
  signInsPerUser: number;
  /** Every `retryEvery`-th user has its post confirmation and post authentication delivered 3 times at once. */
  retryEvery: number;
  /** Every `lockEvery`-th user (offset 1) types a wrong password until locked, and past it. */
  lockEvery: number;
  /** Every `recoverEvery`-th user (offset 2) types a wrong password a few times, then the right one. */
  recoverEvery: number;
  /**
   * The deterministic overload mode (./overload.ts): chosen users' welcome mail stalls past
   * Cognito's 5 s after SES accepted it, is throttled, or their group call runs past the deadline.
   */
  overload: boolean;
  /** Where progress goes (stderr in the CLI); the functions' own logs are captured, never printed. */
  progress?: (line: string) => void;
}

export const defaultLoadOptions: LoadOptions = {
  users: 200,
  concurrency: 50,
  timeLimitMs: 75_000,
  signInsPerUser: 2,
  retryEvery: 10,
  lockEvery: 10,
  recoverEvery: 10,
  overload: false,
};

/** Cognito waits this long for a trigger's answer, then fails the call or sends the event again. */
const COGNITO_WAIT_MS = 5_000;
/** The triggers Cognito calls (and times out); the authorizer and the API have their own limits. */
const COGNITO_TRIGGERS = new Set([
  'pre-sign-up',
  'custom-message',
  'post-confirmation',
  'pre-authentication',
  'post-authentication',
  'pre-token-generation',
]);

/** The lockout policy of the run: the default limit, and a window no 90-second run straddles (but at midnight UTC). */
export const LOCKOUT_MAX_ATTEMPTS = 5;
/** The default groups of post confirmation in the run: every pool user's groups. */
const LOAD_GROUPS = ['readers'] as const;
/** Tries of one call that fails without a deliberate answer (Cognito's and the app's retries). */
const MAX_TRIES = 3;
const LOCKOUT_WINDOW_SECONDS = 86_400;

export interface LoadReport {
  options: LoadOptions;
  usersStarted: number;
  usersFinished: number;
  durationMs: number;
  /** Per function: invocations, p50 and p99 of the handler's own time. */
  latency: Array<{ name: string; calls: number; p50Ms: number; p99Ms: number }>;
  /** Per flow: runs, DynamoDB and SES requests per run, DynamoDB operations. */
  roundTrips: Array<{
    flow: string;
    runs: number;
    dynamoPerRun: number;
    sesPerRun: number;
    operations: string;
  }>;
  effects: EffectCheck[];
  /** Log lines by level, and the ERROR lines themselves (a healthy run has none). */
  logs: { byLevel: Record<string, number>; errors: string[]; secretsFound: string[] };
  /** Step failures the run did not expect (a thrown error where an answer was due, after retries). */
  failures: string[];
  /** Calls that failed without a deliberate answer and were tried again, per function. */
  retries: Record<string, number>;
  /** Faults the overload mode injected, by kind (all zero without it). */
  injected: Record<InjectedFault, number>;
  /** The final sweep of the onboarding outbox (as the scheduled sweeper would, once entries are due). */
  sweep: { passes: number; entries: number; settled: number; ms: number };
  ok: boolean;
}

type Handlers = Record<
  | 'pre-sign-up'
  | 'custom-message'
  | 'post-confirmation'
  | 'pre-authentication'
  | 'post-authentication'
  | 'pre-token-generation'
  | 'authorizer'
  | 'sample-api',
  LocalHandler
>;

export async function runLoad(partial: Partial<LoadOptions> = {}): Promise<LoadReport> {
  const options = { ...defaultLoadOptions, ...partial };
  const started = performance.now();
  const [dynamo, ses] = await Promise.all([startDynaliteProcess(), startLocalSes()]);
  const savedEnv = { ...process.env };
  const capture = captureLogs();
  const counter = countRoundTrips({ dynamodb: dynamo.endpoint, ses: ses.endpoint });
  const stubs = installStubs(options.overload);
  try {
    Object.assign(process.env, localEnvironment(dynamo, ses), sampleKeySettings({}), {
      GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: String(LOCKOUT_MAX_ATTEMPTS),
      GATEHOUSE_LOCKOUT_WINDOW_SECONDS: String(LOCKOUT_WINDOW_SECONDS),
    });
    const handlers = await loadHandlers();
    const run = new Run(options, handlers, counter, started);
    await run.playAll();
    await run.settle();
    const sweep = await run.finalSweep(LOAD_GROUPS);
    const expected = run.expected();
    const effects = await checkEffects(
      expected,
      { items: await scanAll(dynamo), mails: await ses.mails(), members: stubs.members },
      LOCKOUT_MAX_ATTEMPTS,
    );
    const tokens = run.tokens();
    const logs = capture.stop(tokens);
    const report: LoadReport = {
      options,
      usersStarted: run.started,
      usersFinished: run.finished,
      durationMs: performance.now() - started,
      latency: run.latency(),
      roundTrips: roundTripTable(counter, run.flowRuns),
      effects,
      logs,
      failures: run.failures,
      retries: Object.fromEntries(run.retries),
      injected: { ...stubs.injected },
      sweep,
      ok: false,
    };
    // ERROR log lines of calls that failed and were retried are shown, not failures: what counts
    // is that every step got its answer in the end and every effect happened exactly once.
    report.ok =
      effects.every((check) => check.ok) &&
      run.failures.length === 0 &&
      logs.secretsFound.length === 0 &&
      run.finished === options.users;
    return report;
  } finally {
    capture.stop([]);
    stubs.restore();
    counter.stop();
    restoreEnv(savedEnv);
    await stopAll(dynamo, ses);
  }
}

async function loadHandlers(): Promise<Handlers> {
  const names = [
    'pre-sign-up',
    'custom-message',
    'pre-authentication',
    'post-authentication',
    'pre-token-generation',
    'authorizer',
  ] as const;
  const loaded = await Promise.all(
    names.map(async (name) => [name, (await functionLoaders[name]!()).handler]),
  );
  const sampleApi = (await import('../../demo/sample-api.js')).handler as unknown as LocalHandler;
  return {
    ...Object.fromEntries(loaded),
    'post-confirmation': await postConfirmationWithGroups(),
    'sample-api': sampleApi,
  } as Handlers;
}

/**
 * Post confirmation as its entry wires it, with the pool users' group as the default group (a
 * file-only setting: the bundled config/gatehouse.json names none), so that groups are counted too.
 */
async function postConfirmationWithGroups(): Promise<LocalHandler> {
  const [{ triggerHandler }, { parsePostConfirmationEvent }, onboarding, { onboardingSettings }] =
    await Promise.all([
      import('../../shared/middleware/index.js'),
      import('../../shared/events/parse.js'),
      import('../../shared/onboarding/index.js'),
      import('../../shared/onboarding/settings.js'),
    ]);
  const settings = { ...onboardingSettings(), defaultGroups: [...LOAD_GROUPS] };
  return triggerHandler({
    name: 'post-confirmation',
    parse: parsePostConfirmationEvent,
    core: (event) => onboarding.postConfirmation(event, onboarding.onboardingDependencies({ settings })),
  }) as unknown as LocalHandler;
}

/** What Cognito would make of a trigger's answer: the response, or the refusal it shows the user. */
// biome-ignore lint/suspicious/noExplicitAny: each trigger answers its own event shape, read field by field
type Outcome = { ok: true; response: any } | { ok: false; code: string; message: string };

class Run {
  started = 0;
  finished = 0;
  readonly failures: string[] = [];
  readonly flowRuns = new Map<string, number>();
  private readonly samples = new Map<string, number[]>();
  private readonly users: PoolUser[] = [];
  private readonly outcomes = new Map<
    string,
    { allowedAttempts: number; refusedAttempts: number; signIns: number; apiCalls: number }
  >();
  private readonly issued: string[] = [];
  /** Calls failed (not a deliberate answer) and tried again, per function; and per user. */
  readonly retries = new Map<string, number>();
  private readonly failedCalls = new Map<string, number>();
  private readonly unfinished = new Set<string>();
  private readonly runId = Date.now().toString(36);
  private readonly inFlight = new Set<Promise<Outcome>>();

  constructor(
    private readonly options: LoadOptions,
    private readonly handlers: Handlers,
    private readonly counter: RoundTripCounter,
    private readonly startedAt: number,
  ) {}

  async playAll(): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < this.options.users && performance.now() - this.startedAt < this.options.timeLimitMs) {
        const index = next++;
        this.started++;
        const user = poolUser(index, this.runId);
        registerUser(user.userName, index);
        try {
          await this.playUser(user);
          this.finished++;
        } catch (error) {
          // A user whose step failed (after retries) is a failure, not a count to compare effects with.
          this.unfinished.add(user.sub);
          this.failures.push(`user ${index}: ${error instanceof Error ? error.message : String(error)}`);
        }
        if (this.finished % 50 === 0 && this.finished > 0)
          this.options.progress?.(`  ${this.finished} users done`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency) }, worker));
  }

  private role(user: PoolUser): 'locked' | 'recovering' | 'plain' {
    if (this.options.lockEvery > 0 && user.index % this.options.lockEvery === 1) return 'locked';
    if (this.options.recoverEvery > 0 && user.index % this.options.recoverEvery === 2) return 'recovering';
    return 'plain';
  }

  private retried(user: PoolUser): boolean {
    return this.options.retryEvery > 0 && user.index % this.options.retryEvery === 0;
  }

  private async playUser(user: PoolUser): Promise<void> {
    this.users.push(user);
    const tally = { allowedAttempts: 0, refusedAttempts: 0, signIns: 0, apiCalls: 0 };
    this.outcomes.set(user.sub, tally);
    await this.flow('sign-up', async () => {
      this.expectOk('pre-sign-up', await this.invoke('pre-sign-up', events.preSignUp(user)));
      const message = this.expectOk(
        'custom-message',
        await this.invoke('custom-message', events.signUpMessage(user)),
      );
      const texts = [message.response?.smsMessage, message.response?.emailMessage].filter(
        (text) => text != null,
      );
      if (texts.length === 0 || texts.some((text) => !String(text).includes('{####}'))) {
        throw new Error('the sign-up message lacks the code placeholder');
      }
    });
    const copies = this.retried(user) ? 3 : 1;
    await this.flow(copies > 1 ? 'confirm, 3 at once' : 'confirm', async () => {
      const answers = await Promise.all(
        Array.from({ length: copies }, () => this.invoke('post-confirmation', events.postConfirmation(user))),
      );
      for (const answer of answers) this.expectOk('post-confirmation', answer);
    });
    const role = this.role(user);
    const wrongAttempts =
      role === 'locked' ? LOCKOUT_MAX_ATTEMPTS + 2 : role === 'recovering' ? LOCKOUT_MAX_ATTEMPTS - 1 : 0;
    for (let attempt = 0; attempt < wrongAttempts; attempt++) {
      await this.flow('wrong-password', async () => {
        // Cognito calls pre authentication, then finds the password wrong: no other trigger runs.
        const answer = await this.invoke(
          'pre-authentication',
          events.preAuthentication(user, crypto.randomUUID()),
          user,
        );
        if (answer.ok) tally.allowedAttempts++;
        else if (answer.code === 'SIGN_IN_LOCKED') tally.refusedAttempts++;
        else throw new Error(`a wrong password was answered ${answer.code}`);
      });
    }
    const signIns = role === 'plain' ? this.options.signInsPerUser : 1;
    for (let n = 0; n < signIns; n++) {
      const name = this.retried(user) ? 'sign-in, post auth 3 at once' : 'sign-in';
      const token = await this.flow(name, () => this.signIn(user, tally));
      if (!token) continue;
      await this.flow('api-call', () => this.callApi(user, token, tally));
    }
  }

  /** The right password: pre authentication, post authentication, pre token generation, tokens. */
  private async signIn(
    user: PoolUser,
    tally: { signIns: number; refusedAttempts: number },
  ): Promise<string | undefined> {
    const requestId = crypto.randomUUID();
    const pre = await this.invoke('pre-authentication', events.preAuthentication(user, requestId), user);
    if (!pre.ok) {
      if (pre.code !== 'SIGN_IN_LOCKED') throw new Error(`sign-in refused: ${pre.code}`);
      tally.refusedAttempts++;
      return undefined;
    }
    const copies = this.retried(user) ? 3 : 1;
    const posts = await Promise.all(
      Array.from({ length: copies }, () =>
        this.invoke('post-authentication', events.postAuthentication(user, requestId)),
      ),
    );
    for (const post of posts) this.expectOk('post-authentication', post);
    const tokens = this.expectOk(
      'pre-token-generation',
      await this.invoke('pre-token-generation', events.tokenGeneration(user, requestId)),
    );
    tally.signIns++;
    const token = issueAccessToken(user, tokens.response);
    this.issued.push(token);
    return token;
  }

  /** API Gateway: the authorizer, then (allowed) the route's own function with the authorizer's context. */
  private async callApi(user: PoolUser, token: string, tally: { apiCalls: number }): Promise<void> {
    const request = events.apiRequest(user, token);
    const decision = this.expectOk('authorizer', await this.invoke('authorizer', request));
    const effect =
      decision.policyDocument?.Statement?.[0]?.Effect ?? (decision.isAuthorized ? 'Allow' : 'Deny');
    if (effect !== 'Allow') throw new Error(`the authorizer denied a signed-in reader (${effect})`);
    request.requestContext.authorizer = { lambda: decision.context };
    const answer = this.expectOk('sample-api', await this.invoke('sample-api', request));
    const caller = JSON.parse(answer.body ?? '{}').caller;
    if (answer.statusCode !== 200 || caller?.sub !== user.sub) {
      throw new Error(`GET /items answered ${answer.statusCode} for another caller`);
    }
    tally.apiCalls++;
  }

  private async flow<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.flowRuns.set(name, (this.flowRuns.get(name) ?? 0) + 1);
    return this.counter.within(name, work);
  }

  /**
   * One call as Lambda makes it, timed. A failure that is not a deliberate answer (the generic
   * message: on this overloaded machine, mostly the 5-second budget running out) is tried again
   * with the same event, as Cognito and the app retry, up to 3 times; each retry is counted.
   */
  private async invoke(name: keyof Handlers, event: unknown, user?: PoolUser): Promise<Outcome> {
    let outcome: Outcome = { ok: false, code: 'FAILED', message: 'not run' };
    for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
      outcome = await this.invokeOnce(name, structuredClone(event));
      if (outcome.ok || outcome.code !== 'FAILED') return outcome;
      this.retries.set(name, (this.retries.get(name) ?? 0) + 1);
      if (user) this.failedCalls.set(user.sub, (this.failedCalls.get(user.sub) ?? 0) + 1);
      await new Promise((resume) => setTimeout(resume, 100 * attempt));
    }
    return outcome;
  }

  /**
   * One invocation. Cognito stops waiting for a trigger after 5 s and counts the call as failed
   * (then sends the same event again, see `invoke`); the invocation itself runs on to its end, as
   * a Lambda does, and the run waits for it before counting effects (`settle`).
   */
  private async invokeOnce(name: keyof Handlers, event: unknown): Promise<Outcome> {
    const start = performance.now();
    const run = (async (): Promise<Outcome> => {
      try {
        const response = await this.handlers[name](event, localContext(name));
        return { ok: true, response };
      } catch (error) {
        if (error instanceof UserFacingError) return { ok: false, code: error.code, message: error.message };
        return { ok: false, code: 'FAILED', message: error instanceof Error ? error.message : String(error) };
      } finally {
        const own = this.samples.get(name) ?? [];
        own.push(performance.now() - start);
        this.samples.set(name, own);
      }
    })();
    if (!COGNITO_TRIGGERS.has(name)) return run;
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<Outcome>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, code: 'FAILED', message: 'Cognito stopped waiting after 5 s' }),
        COGNITO_WAIT_MS,
      );
    });
    return Promise.race([run, gaveUp]).finally(() => clearTimeout(timer));
  }

  /**
   * The onboarding sweeper after the run, as its schedule would run it once every entry is due
   * (entries wait 30 s for post confirmation and Cognito's retries): again while it leaves some
   * pending, 3 passes at most, each as the scheduled sweep 15 minutes later would run (past the
   * pause a failed effect waits). Timed as the function `onboarding-sweeper`.
   */
  async finalSweep(groups: readonly string[]): Promise<LoadReport['sweep']> {
    const [onboarding, { onboardingSettings }, { SWEEP_GRACE_MS }] = await Promise.all([
      import('../../shared/onboarding/index.js'),
      import('../../shared/onboarding/settings.js'),
      import('../../shared/onboarding/outbox.js'),
    ]);
    const settings = { ...onboardingSettings(), defaultGroups: [...groups] };
    const total = { passes: 0, entries: 0, settled: 0, ms: 0 };
    for (let pass = 0; pass < 3; pass++) {
      const start = performance.now();
      const report = await this.flow('final sweep', () =>
        onboarding.sweepOutbox(
          onboarding.sweeperDependencies({
            settings,
            now: () => Date.now() + SWEEP_GRACE_MS + pass * 15 * 60_000,
          }),
        ),
      );
      const ms = performance.now() - start;
      const own = this.samples.get('onboarding-sweeper') ?? [];
      own.push(ms);
      this.samples.set('onboarding-sweeper', own);
      total.passes++;
      total.entries += report.entries;
      total.settled += report.settled;
      total.ms += ms;
      if (report.pending + report.notReached === 0) break;
    }
    return total;
  }

  /** Waits for every invocation Cognito stopped waiting for: their effects count too. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  // biome-ignore lint/suspicious/noExplicitAny: see Outcome
  private expectOk(name: string, outcome: Outcome): any {
    if (!outcome.ok) throw new Error(`${name} answered ${outcome.code}: ${outcome.message}`);
    return outcome.response;
  }

  latency(): LoadReport['latency'] {
    return [...this.samples].map(([name, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      return { name, calls: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99) };
    });
  }

  tokens(): string[] {
    return this.issued;
  }

  /** What each finished user should have left behind. */
  expected(): Expected[] {
    return this.users
      .filter((user) => !this.unfinished.has(user.sub))
      .map((user) => {
        const tally = this.outcomes.get(user.sub)!;
        const role = this.role(user);
        return {
          user,
          role,
          signIns: tally.signIns,
          apiCalls: tally.apiCalls,
          allowedAttempts: tally.allowedAttempts,
          refusedAttempts: tally.refusedAttempts,
          plannedSignIns: role === 'plain' ? this.options.signInsPerUser : 1,
          failedAttemptCalls: this.failedCalls.get(user.sub) ?? 0,
        };
      });
  }
}

function roundTripTable(counter: RoundTripCounter, runs: Map<string, number>): LoadReport['roundTrips'] {
  return [...runs].map(([flow, count]) => {
    const perTarget = counter.counts().get(flow) ?? new Map<string, number>();
    let dynamo = 0;
    let mail = 0;
    const operations: string[] = [];
    for (const [target, n] of [...perTarget].sort((a, b) => b[1] - a[1])) {
      if (target === 'ses') mail += n;
      else {
        dynamo += n;
        operations.push(`${target.replace('dynamodb ', '')} ${(n / count).toFixed(2)}`);
      }
    }
    return {
      flow,
      runs: count,
      dynamoPerRun: dynamo / count,
      sesPerRun: mail / count,
      operations: operations.join(', '),
    };
  });
}

/**
 * dynalite in a child process (./dynalite-server.ts): in this process it would share one core
 * and one event loop with 50 concurrent invocations, and its own work would count as theirs.
 */
async function startDynaliteProcess(tableName = 'gatehouse'): Promise<LocalDynamo> {
  const child = fork(fileURLToPath(new URL('./dynalite-server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dynalite exited (${code}) before listening`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await createTable(client, tableName);
  return {
    endpoint,
    tableName,
    client,
    scan: async () => [],
    stop: async () => {
      client.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.disconnect();
      await exited;
    },
  };
}

/** Every item of the table (a Scan stops at 1 MB: paged). */
async function scanAll(dynamo: LocalDynamo): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: ScanCommandOutput['LastEvaluatedKey'];
  do {
    const page = await dynamo.client.send(
      new ScanCommand({ TableName: dynamo.tableName, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * The functions log JSON lines to stdout (Powertools): 200 users write thousands. They are kept
 * from the terminal, counted by level, and searched for the tokens the run issued.
 */
function captureLogs() {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const keep = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  process.stdout.write = keep as typeof process.stdout.write;
  process.stderr.write = keep as typeof process.stderr.write;
  let stopped = false;
  return {
    stop(secrets: string[]): LoadReport['logs'] {
      if (!stopped) {
        process.stdout.write = write;
        process.stderr.write = writeErr;
        stopped = true;
      }
      const text = chunks.join('');
      const byLevel: Record<string, number> = {};
      const errors: string[] = [];
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        const level = String((JSON.parse(line) as { level?: unknown }).level ?? '?');
        byLevel[level] = (byLevel[level] ?? 0) + 1;
        if (level === 'ERROR' && errors.length < 20) errors.push(line);
      }
      const secretsFound = secrets
        .filter((secret) => text.includes(secret.split('.')[2] ?? secret))
        .slice(0, 3);
      return { byLevel, errors, secretsFound: secretsFound.map(() => 'an issued access token') };
    },
  };
}

function restoreEnv(saved: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
}

async function stopAll(dynamo: LocalDynamo, ses: LocalSes): Promise<void> {
  await Promise.allSettled([dynamo.stop(), ses.stop()]);
}
