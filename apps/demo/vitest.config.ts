import { defineConfig } from 'vitest/config';

/** The end-to-end test drives one browser through the whole app: one file at a time, generous limits. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
