import { configDefaults, defineConfig } from 'vitest/config';
import { lavapipeEnv, swiftShaderEnv } from './src/vulkan.js';

// SwiftShader runs every kernel on the CPU threads of a small machine shared with other work: one test file
// at a time (parallel files only compete for the same cores and starve vitest's worker RPC) and generous limits.
// The tests, not the library, choose the Vulkan driver: SwiftShader unless the environment names one, and
// Mesa's lavapipe for test/lavapipe.node.test.ts (the float16 tier: the only adapter here with shader-f16), which
// skips with its reason where lavapipe is not installed. Dawn reads the driver once per process, and each test
// file runs in a process of its own.
const LAVAPIPE_TESTS = ['test/lavapipe.node.test.ts'];
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: { name: 'swiftshader', env: swiftShaderEnv(), exclude: [...configDefaults.exclude, ...LAVAPIPE_TESTS] },
      },
      { extends: true, test: { name: 'lavapipe', env: lavapipeEnv(), include: LAVAPIPE_TESTS } },
    ],
  },
});
