import { afterAll, beforeAll } from 'vitest';
import {
  type LocalDynamo,
  type LocalSes,
  localEnvironment,
  startLocalDynamo,
  startLocalSes,
} from '../../scripts/local/emulators.js';

export interface LocalEmulators {
  dynamo: LocalDynamo;
  ses: LocalSes;
}

/**
 * Starts dynalite (with the table) and the SES emulator for this test file, points Gatehouse's
 * clients at them plus `env`, and stops them after the file. Call it at the top of the file: its
 * hooks run before the file's own `beforeAll`, so modules imported there read the local settings.
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
