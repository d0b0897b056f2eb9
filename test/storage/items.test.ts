import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { conditionalWrite, isConditionalFailure } from '../../shared/storage/items.js';
import { projectRoot } from '../support/import-graph.js';

const lost = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const throttled = () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });

describe('conditionalWrite: the one place a lost conditional write is told from a fault', () => {
  it('answers true when written, false when the condition did not hold, and throws any other failure', async () => {
    await expect(conditionalWrite(Promise.resolve({}))).resolves.toBe(true);
    await expect(conditionalWrite(Promise.reject(lost()))).resolves.toBe(false);
    await expect(conditionalWrite(Promise.reject(throttled()))).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });

  it('recognises the failure by the name the SDK gives it, from any copy of the SDK', () => {
    expect(isConditionalFailure(lost())).toBe(true);
    expect(
      isConditionalFailure(Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException' })),
    ).toBe(true);
    expect(isConditionalFailure(throttled())).toBe(false);
    expect(isConditionalFailure('ConditionalCheckFailedException')).toBe(false);
  });

  it('still recognises it in a minified bundle, where class names are renamed (as every function ships)', async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'gatehouse-items-')), 'items.mjs');
    await build({
      stdin: {
        contents: `export { isConditionalFailure } from './shared/storage/items.ts';
          export { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';`,
        resolveDir: projectRoot,
        loader: 'ts',
      },
      outfile,
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    const bundled = await import(pathToFileURL(outfile).href);
    const error = new bundled.ConditionalCheckFailedException({ message: 'lost', $metadata: {} });
    expect(bundled.isConditionalFailure(error)).toBe(true);
  }, 60_000);
});
