import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // A liveness bound, not a speed claim: the suite must pass on a loaded 2-core machine.
    testTimeout: 60_000,
  },
});
