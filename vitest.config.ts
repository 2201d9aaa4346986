import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Runs from the tests (and the CLIs they spawn) keep no calibrated-weights cache in the
    // user's folder; test/run/calibrationCache.test.ts uses its own.
    env: { TTFSIM_CACHE_DIR: 'off' },
  },
});
