import { defineConfig } from 'vitest/config';

/** Runs only the no-display check, in a child process started without DISPLAY (see test/unavailable.node.test.ts). */
export default defineConfig({
  test: { root: new URL('.', import.meta.url).pathname, include: ['*.check.ts'], testTimeout: 60_000 },
});
