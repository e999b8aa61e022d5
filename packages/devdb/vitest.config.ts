import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['./src/vitest-global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
