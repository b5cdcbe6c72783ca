import { loadTfjsBackendInNode, registerTfjsGradients } from '@attnkit/backend-tfjs';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Training runs on tfjs-wasm (ENVIRONMENT.md: 5–25× faster than tfjs-cpu here, and the one backend both
 * Node and a browser have). Gradients come from @attnkit/backend-tfjs: tfjs-core registers none by itself.
 */
export async function initTraining(): Promise<void> {
  await loadTfjsBackendInNode('wasm');
  if (!(await tf.setBackend('wasm')) || tf.getBackend() !== 'wasm')
    throw new Error('training needs the tfjs wasm backend, which failed to initialize');
  await tf.ready();
  registerTfjsGradients();
}
