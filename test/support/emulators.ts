import { afterAll, beforeAll } from 'vitest';
import {
  type LocalDynamo,
  type LocalSes,
  localEnvironment,
  startLocalDynamo,
  startLocalSes,
} from '../../scripts/local/emulators.js';

/**
 * The one way a test file starts the local emulators: every test that needs DynamoDB or SES calls
 * one of these at the top of the file. Their hooks run before the file's own `beforeAll`, so
 * modules imported there read the local settings, and they stop what they started after the file.
 */
export interface LocalEmulators {
  dynamo: LocalDynamo;
  ses: LocalSes;
}

/**
 * Starts dynalite (with the table) and the SES emulator for this test file, points Gatehouse's
 * clients at them plus `env`, and stops them after the file.
 */
export function useLocalEmulators(env: Record<string, string> = {}): LocalEmulators {
  const local = {} as LocalEmulators;
  beforeAll(async () => {
    [local.dynamo, local.ses] = await Promise.all([startLocalDynamo(), startLocalSes()]);
    Object.assign(process.env, localEnvironment(local.dynamo, local.ses), env);
  });
  afterAll(async () => {
    await Promise.all([local.dynamo?.stop(), local.ses?.stop()]);
  });
  return local;
}

/** Dynalite alone (a test that sends no mail), with the table `tableName`, plus `env`. */
export function useLocalDynamo(
  env: Record<string, string> = {},
  tableName?: string,
): { dynamo: LocalDynamo } {
  const local = {} as { dynamo: LocalDynamo };
  beforeAll(async () => {
    local.dynamo = await startLocalDynamo(tableName);
    Object.assign(process.env, localEnvironment(local.dynamo), env);
  });
  afterAll(async () => {
    await local.dynamo?.stop();
  });
  return local;
}
