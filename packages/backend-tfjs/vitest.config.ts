import { defineConfig } from 'vitest/config';

// The machines are shared and slow: tfjs on the cpu backend under load can take seconds per case.
export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 120_000 },
});
