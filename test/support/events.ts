import { readFileSync } from 'node:fs';
import { findSampleEvent } from '../../scripts/local/sample-events.js';

export { buildEvent, listSampleEvents } from '../../scripts/local/sample-events.js';

/** A fresh copy of the sample event with this stem or triggerSource; change it freely per test. */
export function sampleEvent<E = Record<string, unknown>>(name: string): E {
  const file = findSampleEvent(name);
  if (!file) throw new Error(`no sample event "${name}"`);
  return JSON.parse(readFileSync(file.path, 'utf8')) as E;
}

export { localContext as lambdaContext } from '../../scripts/local/registry.js';
