import {
  type LocalDynamo,
  type LocalSes,
  localEnvironment,
  startLocalDynamo,
  startLocalSes,
} from './emulators.js';
import { functionLoaders, localContext } from './registry.js';

/** The embedded defaults a local run uses: dynalite in-process with the table, and the SES outbox. */
export interface LocalStack {
  dynamo: LocalDynamo;
  ses: LocalSes;
  stop(): Promise<void>;
}

export async function startLocalStack(): Promise<LocalStack> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const [dynamo, ses] = await Promise.all([startLocalDynamo(), startLocalSes()]);
  Object.assign(process.env, localEnvironment(dynamo, ses));
  return { dynamo, ses, stop: async () => void (await Promise.all([dynamo.stop(), ses.stop()])) };
}

export interface InvocationResult {
  response: unknown;
  /** The error the function threw, as Cognito or API Gateway would see its message. */
  error?: { name: string; message: string };
  durationMs: number;
  /** What the function logged (Powertools JSON lines), kept apart from the response. */
  logs: string[];
}

/** Invokes a function the way Lambda would, with its logs captured instead of printed. */
export async function invokeLocally(functionName: string, event: unknown): Promise<InvocationResult> {
  const load = functionLoaders[functionName];
  if (!load) throw new Error(`unknown function "${functionName}"`);
  const { handler } = await load();
  const logs: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    logs.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
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
    process.stdout.write = write;
  }
}
