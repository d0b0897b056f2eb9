import { defineConfig } from 'vitest/config';

/**
 * Two projects, both run by `npm test`:
 * - unit: everything under test/ except e2e (emulators in-process);
 * - e2e: the whole local stack (cognito-local, serverless-offline, dynalite, SES emulator) playing
 *   the demo's story. It runs after the unit project (groupOrder), so that its esbuild bundling
 *   never overlaps the packaging test's in the shared .esbuild folder.
 */
export default defineConfig({
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'node_modules/**'],
          typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
          testTimeout: 20_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
