import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { mutationGroup } from '../groups.js';

/** The repository root (in Stryker's sandbox, the sandbox's root). */
const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The vitest config of one mutation group: only the group's tests, with the settings the unit
 * project uses (`vitest.config.ts`), and `GATEHOUSE_MUTATION=1` so that a property test may run
 * fewer cases per mutant (each mutant reruns every test that covers it).
 */
export function groupVitestConfig(name: string) {
  return defineConfig({
    root,
    test: {
      include: mutationGroup(name).tests,
      env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', GATEHOUSE_MUTATION: '1' },
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  });
}
