import { swiftShaderEnv } from '@attnkit/backend-webgpu';
import { defineConfig } from 'vitest/config';

// The tests, not the library, choose Dawn's Vulkan driver: SwiftShader unless the environment names one.
export default defineConfig({ test: { env: swiftShaderEnv() } });
