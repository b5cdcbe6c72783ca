import { swiftShaderEnv } from '@attnkit/matrix';
import { defineConfig } from 'vitest/config';

/** Dawn runs on SwiftShader where no Vulkan driver is named (the program's choice, not the library's). */
export default defineConfig({ test: { env: swiftShaderEnv() } });
