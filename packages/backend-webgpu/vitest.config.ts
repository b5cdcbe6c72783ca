import { defineConfig } from 'vitest/config';
import { swiftShaderEnv } from './src/vulkan.js';

// SwiftShader runs every kernel on the CPU threads of a small machine shared with other work: one test file
// at a time (parallel files only compete for the same cores and starve vitest's worker RPC) and generous limits.
// The tests, not the library, choose the Vulkan driver: SwiftShader unless the environment names one.
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false, env: swiftShaderEnv() },
});
