import { defineConfig } from 'vitest/config';

// SwiftShader runs every kernel on the CPU threads of a small machine shared with other work: one test file
// at a time (parallel files only compete for the same cores and starve vitest's worker RPC) and generous limits.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false } });
