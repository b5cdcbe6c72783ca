import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file starts its own worker threads; one file at a time keeps the two cores honest.
    fileParallelism: false,
    // Node 20 validates relaxed SIMD only behind this flag, so the tests can run both builds.
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--experimental-wasm-relaxed-simd'] } },
  },
});
