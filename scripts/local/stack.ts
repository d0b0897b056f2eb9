import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalCognito, startCognitoLocal } from './cognito.js';
import {
  type LocalDynamo,
  type LocalSes,
  localEnvironment,
  startLocalDynamo,
  startLocalSes,
} from './emulators.js';
import { type LocalOffline, serviceDir, startOffline } from './offline.js';
import { freePort, temporaryDirectory } from './processes.js';
import { startTriggerTap, type TriggerInvocation, type TriggerTap } from './trigger-tap.js';

/**
 * The whole of Gatehouse on a laptop, on 127.0.0.1 and free ports:
 * - dynalite with the table, and the SES emulator (in this process);
 * - serverless-offline serving every function (Lambda invoke endpoint) and `GET /items` behind
 *   the authorizer (child process);
 * - cognito-local with a user pool and app client, its triggers wired to the functions through the
 *   trigger tap, which records each invocation (child process).
 * `stop()` stops all of it; a failed start stops what had started before rethrowing.
 */
export interface GatehouseStack {
  dynamo: LocalDynamo;
  ses: LocalSes;
  tap: TriggerTap;
  cognito: LocalCognito;
  offline: LocalOffline;
  /** The environment the functions run with (on top of serverless.yml's). */
  functionEnv: Record<string, string>;
  /** Milliseconds from the call to everything listening. */
  startupMs: number;
  /**
   * Invokes a function (by its file name in `functions/`, e.g. `pre-authentication`) through the
   * Lambda endpoint, as Cognito would, recorded by the tap like any trigger.
   */
  invoke(functionName: string, event: unknown): Promise<FunctionResult>;
  /** The functions' structured log lines (Powertools JSON) printed so far, oldest first. */
  functionLogs(): FunctionLogLine[];
  stop(): Promise<void>;
}

export interface FunctionResult {
  response?: unknown;
  /** The message Cognito would show when the function threw. */
  error?: string;
}

export interface FunctionLogLine {
  level: string;
  message: string;
  function?: string;
  triggerSource?: string;
  [field: string]: unknown;
}

export interface StackOptions {
  /** Settings for the functions (environment variables), e.g. what the demo configures. */
  env?: Record<string, string>;
  /**
   * Settings file entries (lists and maps), merged over config/gatehouse.json and bundled into
   * every function instead of it (see scripts/local/esbuild-plugins.cjs).
   */
  config?: Record<string, unknown>;
  /** serverless.yml parameters (`--param`), e.g. `authorizerTokenUse`; env settings that serverless.yml sets per function come from these. */
  params?: Record<string, string>;
  /** Fixed ports (default: free ports chosen by the OS), e.g. for a browser app's config. */
  ports?: { cognito?: number; http?: number; lambda?: number };
  /** Progress lines while starting (default: silent). */
  progress?: (line: string) => void;
  /** How often the onboarding sweeper runs (default: every minute, as deployed). */
  sweepEveryMs?: number;
}

/** The cognito-local triggers and the serverless.yml function each one calls. */
const cognitoTriggers = {
  PreSignUp: 'preSignUp',
  CustomMessage: 'customMessage',
  PostConfirmation: 'postConfirmation',
  UserMigration: 'migrateUser',
  PreTokenGeneration: 'preTokenGeneration',
  PostAuthentication: 'postAuthentication',
} as const;

const STAGE = 'local';
const lambdaName = (functionKey: string) => `gatehouse-${STAGE}-${functionKey}`;

/** `pre-sign-up` → `preSignUp` (a file name in functions/ to its serverless.yml key). */
export function functionKey(functionName: string): string {
  return functionName.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

const activeStacks = new Set<() => Promise<void>>();

/** Stops every stack started in this process, also one still starting (signal handlers). */
export async function stopAllStacks(): Promise<void> {
  await Promise.allSettled([...activeStacks].map((stop) => stop()));
}

export async function startGatehouseStack(options: StackOptions = {}): Promise<GatehouseStack> {
  const started = performance.now();
  const progress = options.progress ?? (() => undefined);
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    activeStacks.delete(stopAll);
    const results = await Promise.allSettled(
      stoppers
        .splice(0)
        .reverse()
        .map((stop) => stop()),
    );
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  };
  activeStacks.add(stopAll);
  try {
    const [dynamo, ses, cognitoPort, httpPort, lambdaPort] = await Promise.all([
      startLocalDynamo(),
      startLocalSes(),
      options.ports?.cognito ?? freePort(),
      options.ports?.http ?? freePort(),
      options.ports?.lambda ?? freePort(),
    ]);
    stoppers.push(dynamo.stop, ses.stop);
    progress(`dynalite ${dynamo.endpoint} (table ${dynamo.tableName}), SES emulator ${ses.endpoint}`);

    const lambdaEndpoint = `http://127.0.0.1:${lambdaPort}`;
    let cognito: LocalCognito | undefined;
    const tap = await startTriggerTap(
      () => lambdaEndpoint,
      (event) => cognito?.fixEvent(event) ?? Promise.resolve([]),
    );
    stoppers.push(tap.stop);

    cognito = await startCognitoLocal({
      port: cognitoPort,
      lambdaEndpoint: tap.endpoint,
      triggerFunctions: Object.fromEntries(
        Object.entries(cognitoTriggers).map(([trigger, key]) => [trigger, lambdaName(key)]),
      ),
    });
    stoppers.push(cognito.stop);
    progress(`cognito-local ${cognito.endpoint} (pool ${cognito.userPoolId}, client ${cognito.clientId})`);

    const configDirectory = temporaryDirectory('gatehouse-config-');
    stoppers.push(async () => configDirectory.remove());
    const configFile = writeConfigFile(configDirectory.path, options.config ?? {});
    // The sign-in context's HMAC key, new for every run: the context endpoint signs with it, the
    // triggers verify with it (serverless.yml's contextSecret parameter; in AWS a Secrets Manager secret).
    const contextSecret = randomBytes(32).toString('hex');
    const functionEnv = {
      ...localEnvironment(dynamo, ses),
      ...localIssuerEnvironment(cognito),
      RISK_CONTEXT_SECRET: contextSecret,
      ...options.env,
    };
    progress('serverless-offline: bundling every function with esbuild, then serving them...');
    const offline = await startOffline({
      httpPort,
      lambdaPort,
      stage: STAGE,
      env: { ...functionEnv, GATEHOUSE_CONFIG_FILE: configFile },
      params: {
        userPoolId: cognito.userPoolId,
        userPoolClientId: cognito.clientId,
        tableName: dynamo.tableName,
        logLevel: 'INFO',
        // A plain ARN keeps serverless.yml from building a CloudFormation reference; nothing
        // decrypts with it locally (cognito-local does not call the custom senders).
        messageDelivery: 'senders',
        kmsKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000',
        contextSecret,
        ...options.params,
      },
    });
    stoppers.push(offline.stop);
    progress(`serverless-offline ${offline.httpEndpoint} (HTTP API), ${offline.lambdaEndpoint} (Lambda)`);
    stoppers.push(scheduleSweeper(offline.lambdaEndpoint, options.sweepEveryMs ?? 60_000));

    const startupMs = performance.now() - started;
    return {
      dynamo,
      ses,
      tap,
      cognito,
      offline,
      functionEnv,
      startupMs,
      invoke: (functionName, event) =>
        invokeThrough(tap.endpoint, lambdaName(functionKey(functionName)), event),
      functionLogs: () => parseFunctionLogs(offline.process.lines()),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

/**
 * Where the functions find cognito-local: the Cognito API (COGNITO_ENDPOINT: post confirmation
 * adds users to groups, pre sign-up looks users up) and the token issuer of the authorizer
 * (AUTHORIZER_LOCAL_ISSUER: tokens are verified against `<endpoint>/<poolId>` and its http JWKS).
 * Settings a function does not declare are ignored by it.
 */
function localIssuerEnvironment(cognito: LocalCognito): Record<string, string> {
  return {
    COGNITO_ENDPOINT: cognito.endpoint,
    AUTHORIZER_LOCAL_ISSUER: cognito.endpoint,
  };
}

/** config/gatehouse.json with `overrides` merged over it, in a temporary file. */
function writeConfigFile(directory: string, overrides: Record<string, unknown>): string {
  const base = JSON.parse(readFileSync(join(serviceDir, 'config', 'gatehouse.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const file = join(directory, 'gatehouse.json');
  writeFileSync(file, JSON.stringify(deepMerge(base, overrides), null, 2));
  return file;
}

/** Objects merge key by key; anything else (lists included) is replaced. */
export function deepMerge(base: Record<string, unknown>, overrides: Record<string, unknown>) {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The onboarding sweeper's schedule (serverless.yml: `rate(1 minute)`), which serverless-offline
 * does not run: the sweeper is invoked through the Lambda endpoint with EventBridge's scheduled
 * event every `everyMs`, so that a group or mail post confirmation left pending is completed
 * locally too (its function log shows each sweep that found something). Returns the stopper.
 */
function scheduleSweeper(endpoint: string, everyMs: number): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [`arn:aws:events:us-east-1:000000000000:rule/${lambdaName('onboardingSweeper')}`],
      detail: {},
    };
    // A sweep that fails (the stack stopping) is the next one's to make up.
    running = invokeThrough(endpoint, lambdaName('onboardingSweeper'), event).catch(() => undefined);
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

async function invokeThrough(endpoint: string, name: string, event: unknown): Promise<FunctionResult> {
  const answer = await fetch(`${endpoint}/2015-03-31/functions/${name}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'RequestResponse' },
    body: JSON.stringify(event),
  });
  const text = await answer.text();
  const payload = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  if (answer.headers.get('x-amz-function-error') || answer.status >= 400) {
    return { error: typeof payload?.errorMessage === 'string' ? payload.errorMessage : text };
  }
  return { response: payload };
}

function parseFunctionLogs(lines: readonly string[]): FunctionLogLine[] {
  const parsed: FunctionLogLine[] = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as FunctionLogLine;
      if (typeof value.message === 'string' && typeof value.level === 'string') parsed.push(value);
    } catch {
      // not a log line of a function
    }
  }
  return parsed;
}

export type { TriggerInvocation };
