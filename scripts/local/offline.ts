import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ManagedProcess, spawnManaged } from './processes.js';

/**
 * serverless-offline serving every function of serverless.yml: the Lambda invoke endpoint
 * (`POST /2015-03-31/functions/<name>/invocations`, used by cognito-local and the demo) and the
 * HTTP API (`GET /items` behind the authorizer). The functions are bundled by serverless-esbuild
 * exactly as for a deployment, and run with this process's environment (`--localEnvironment`),
 * so DYNAMODB_ENDPOINT, SES_ENDPOINT and every Gatehouse setting given in `env` reach them.
 */
export interface LocalOffline {
  httpEndpoint: string;
  lambdaEndpoint: string;
  stage: string;
  process: ManagedProcess;
  /** The full Lambda name of a function key of serverless.yml (`preSignUp`). */
  lambdaName(functionKey: string): string;
  stop(): Promise<void>;
}

export interface OfflineStartOptions {
  httpPort: number;
  lambdaPort: number;
  /** serverless.yml parameters (`--param="name=value"`). */
  params: Record<string, string>;
  /** Environment of the functions, on top of this process's. */
  env: Record<string, string>;
  stage?: string;
  startTimeoutMs?: number;
}

const require = createRequire(import.meta.url);
export const serviceDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function startOffline(options: OfflineStartOptions): Promise<LocalOffline> {
  const stage = options.stage ?? 'local';
  const params = {
    ...options.params,
    httpPort: String(options.httpPort),
    lambdaPort: String(options.lambdaPort),
  };
  const args = [
    serverlessBin(),
    'offline',
    'start',
    '--stage',
    stage,
    '--host',
    '127.0.0.1',
    '--localEnvironment',
    ...Object.entries(params).map(([name, value]) => `--param=${name}=${value}`),
  ];
  const process = spawnManaged('serverless-offline', globalThis.process.execPath, args, {
    cwd: serviceDir,
    env: {
      ...options.env,
      GATEHOUSE_LOCAL_STACK: '1',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      SLS_DEPRECATION_DISABLE: '*',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  try {
    await process.waitForLine(/Server ready:/, options.startTimeoutMs ?? 120_000);
  } catch (error) {
    await process.stop();
    throw error;
  }
  return {
    httpEndpoint: `http://127.0.0.1:${options.httpPort}`,
    lambdaEndpoint: `http://127.0.0.1:${options.lambdaPort}`,
    stage,
    process,
    lambdaName: (functionKey) => `gatehouse-${stage}-${functionKey}`,
    stop: () => process.stop(),
  };
}

function serverlessBin(): string {
  return join(require.resolve('osls/package.json'), '..', 'bin', 'serverless.js');
}
