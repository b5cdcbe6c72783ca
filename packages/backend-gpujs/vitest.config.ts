import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/no-display/**', '**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One GL context per file is plenty on two shared cores.
    fileParallelism: false,
  },
});
