import { swiftShaderEnv } from '@attnkit/matrix';
import { defineConfig } from 'vitest/config';

// The data tests read and split whole corpora (CMUdict, SpamAssassin): about a second each on a quiet
// machine, far more beside a training run on the same two cores. The tests, not the library, choose Dawn's
// Vulkan driver for the WebGPU backend: SwiftShader unless the environment names one.
export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 120_000, env: swiftShaderEnv() },
});
