import { AdminCreateUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { type LocalCognito, startCognitoLocal } from './cognito.js';
import {
  type LocalDynamo,
  type LocalSes,
  type LocalSns,
  localEnvironment,
  startLocalDynamo,
  startLocalSes,
  startLocalSns,
} from './emulators.js';
import { freePort } from './processes.js';
import { functionLoaders, localContext } from './registry.js';

/**
 * The embedded defaults a local run uses: dynalite in-process with the table, the SES emulator
 * and the SNS outbox, and, when a function looks users up, cognito-local with the given users.
 */
export interface LocalStack {
  dynamo: LocalDynamo;
  ses: LocalSes;
  sns: LocalSns;
  cognito?: LocalCognito;
  stop(): Promise<void>;
}

/** A user that exists in cognito-local from the start, in a pool of a fixed id. */
export interface SeededUser {
  userPoolId: string;
  username: string;
  attributes: Record<string, string>;
}

export async function startLocalStack(options: { users?: SeededUser[] } = {}): Promise<LocalStack> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const [dynamo, ses, sns] = await Promise.all([startLocalDynamo(), startLocalSes(), startLocalSns()]);
  const stoppers = [dynamo.stop, ses.stop, sns.stop];
  const stop = async () => void (await Promise.allSettled(stoppers.map((stopOne) => stopOne())));
  Object.assign(process.env, localEnvironment(dynamo, ses), { SNS_ENDPOINT: sns.endpoint });
  const users = options.users ?? [];
  if (users.length === 0) return { dynamo, ses, sns, stop };
  try {
    const cognito = await startCognitoLocal({
      port: await freePort(),
      lambdaEndpoint: 'http://127.0.0.1:9',
      triggerFunctions: {},
      existingPools: [...new Set(users.map((user) => user.userPoolId))],
    });
    stoppers.push(cognito.stop);
    for (const user of users) {
      await cognito.client.send(
        new AdminCreateUserCommand({
          UserPoolId: user.userPoolId,
          Username: user.username,
          MessageAction: 'SUPPRESS',
          UserAttributes: Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value })),
        }),
      );
    }
    process.env.COGNITO_ENDPOINT = cognito.endpoint;
    return { dynamo, ses, sns, cognito, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface InvocationResult {
  response: unknown;
  /** The error the function threw, as Cognito or API Gateway would see its message. */
  error?: { name: string; message: string };
  durationMs: number;
  /** What the function logged (Powertools JSON lines, warnings and errors included), apart from the response. */
  logs: string[];
}

/** Invokes a function the way Lambda would, with its logs (stdout and stderr) captured instead of printed. */
export async function invokeLocally(functionName: string, event: unknown): Promise<InvocationResult> {
  const load = functionLoaders[functionName];
  if (!load) throw new Error(`unknown function "${functionName}"`);
  const { handler } = await load();
  const logs: string[] = [];
  const restore = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write;
    stream.write = ((chunk: string | Uint8Array) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      logs.push(...text.split('\n').filter(Boolean));
      return true;
    }) as typeof stream.write;
    return () => {
      stream.write = write;
    };
  });
  const started = performance.now();
  try {
    const response = await handler(event, localContext(functionName));
    return { response, durationMs: performance.now() - started, logs };
  } catch (thrown) {
    const error =
      thrown instanceof Error
        ? { name: thrown.name, message: thrown.message }
        : { name: 'Error', message: String(thrown) };
    return { response: undefined, error, durationMs: performance.now() - started, logs };
  } finally {
    for (const undo of restore) undo();
  }
}
