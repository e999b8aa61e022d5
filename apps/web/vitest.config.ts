import { defineConfig } from 'vitest/config';

/**
 * One `vitest run`, one JSON report, two projects:
 * - `unit`: the pure modules and components beside their sources (`src/**\/*.test.ts(x)`);
 * - `e2e`: Debian's chromium (playwright-core) against the built api, runner and web app
 *   (`e2e/*.e2e.ts`), on the embedded database. It needs `dist/` (the test script builds it).
 */
export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
          environment: 'node',
          // A liveness bound, not a speed claim: the suite must pass on a loaded 2-core machine.
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.ts'],
          globalSetup: ['@weft/devdb/vitest-global-setup'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // expect.poll waits 1 s by default: too little for a loaded 2-core machine.
          expect: { poll: { timeout: 30_000 } },
          // One api, runner and browser per file; files one after another to keep 2 cores calm.
          fileParallelism: false,
        },
      },
    ],
  },
});
