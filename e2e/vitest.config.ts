import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    include: ['test/**/*.test.ts'],
    globalSetup: ['@weft/devdb/vitest-global-setup'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
    // expect.poll waits 1 s by default: too little for a loaded 2-core machine.
    expect: { poll: { timeout: 60_000 } },
    // One api and one runner per file; files run one after another to keep the machine calm.
    fileParallelism: false,
  },
});
