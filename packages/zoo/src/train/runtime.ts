import { createBackend, loadTfjsBackendInNode, registerTfjsGradients } from '@attnkit/backend-tfjs';
import type { Backend } from '@attnkit/core';
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

/**
 * The attnkit backend the trained model runs on: tfjs-wasm, where `initTraining` made the variables, with
 * attention on the batched path (one product over every row and head of a batch) and a block budget that
 * holds a whole batch's scores (4,096 tokens per batch: at most 4 heads × 4,096 × 512 = 2^23 elements).
 * Inference on wasm runs query blocks longer than 24 rows on the blocked path instead, XNNPACK-backed; in
 * training its many small ops, each with a backward op, cost 1.8× the spam model's step time.
 */
export const TRAINING_ATTENTION = { path: 'batched', blockElements: 2 ** 23 } as const;

export async function trainingBackend(): Promise<Backend> {
  await initTraining();
  return createBackend({ tfjsBackend: 'wasm', ...TRAINING_ATTENTION });
}
