import { vi } from 'vitest';

/** Captures everything written to stdout and stderr (where Powertools logs) while `run` runs. */
export async function captureOutput<T>(
  run: () => Promise<T>,
): Promise<{ result: T | undefined; error: unknown; output: string }> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    return { result: await run(), error: undefined, output: chunks.join('') };
  } catch (error) {
    return { result: undefined, error, output: chunks.join('') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** The JSON log lines of a captured output. */
export function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
