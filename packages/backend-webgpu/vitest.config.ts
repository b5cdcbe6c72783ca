import { defineConfig } from 'vitest/config';

// SwiftShader runs every kernel on the CPU, on machines shared with other work: generous per-test limits.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } });
