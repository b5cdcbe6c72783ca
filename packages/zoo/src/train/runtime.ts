import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { registerTfjsGradients } from '@attnkit/backend-tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Training runs on tfjs-wasm (ENVIRONMENT.md: 5–25× faster than tfjs-cpu here, and the one backend both
 * Node and a browser have). Gradients come from @attnkit/backend-tfjs: tfjs-core registers none by itself.
 */
export async function initTraining(): Promise<void> {
  // In Node tfjs-wasm loads its binaries from a path: the installed package's dist folder.
  const require = createRequire(import.meta.url);
  setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
  if (!(await tf.setBackend('wasm')) || tf.getBackend() !== 'wasm')
    throw new Error('training needs the tfjs wasm backend, which failed to initialize');
  await tf.ready();
  registerTfjsGradients();
}
