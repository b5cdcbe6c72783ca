import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { attnkitTarget } from '../targets/attnkit.js';
import type { TargetFactory, TargetFamily } from '../targets/target.js';
import { createTfjsNaiveTarget, profilePeak } from '../targets/tfjs-naive.js';

/**
 * The targets of a run in headless Chromium. Imports are literal here (the bundler follows them); the
 * tfjs-wasm binaries are served under /wasm/. tfjs's own WebGPU backend finds its device through
 * navigator.gpu, the same SwiftShader adapter as attnkit's WebGPU backend. There is no onnxruntime peer
 * in the browser (onnxruntime-web is not a dependency).
 */
setWasmPaths('/wasm/');

const tfjsAttnkit = (tfjsBackend: string, family: TargetFamily): TargetFactory => ({
  name: `tfjs-${tfjsBackend}`,
  role: 'backend',
  create: async () => {
    const { createBackend } = await import('@attnkit/backend-tfjs');
    return attnkitTarget(await createBackend({ tfjsBackend }), family, { profilePeak: (call) => profilePeak(tf, call) });
  },
});

export const BROWSER_TARGET_FACTORIES: readonly TargetFactory[] = [
  {
    name: 'webgpu',
    role: 'backend',
    create: async () => {
      const { createBackend } = await import('@attnkit/backend-webgpu');
      return attnkitTarget(await createBackend(), 'webgpu');
    },
  },
  {
    name: 'gpujs-webgl',
    role: 'backend',
    create: async () => {
      const { createBackend } = await import('@attnkit/backend-gpujs');
      return attnkitTarget(await createBackend(), 'webgl');
    },
  },
  tfjsAttnkit('webgpu', 'webgpu'),
  tfjsAttnkit('webgl', 'webgl'),
  tfjsAttnkit('wasm', 'tfjs-wasm'),
  { name: 'tfjs-webgpu-naive', role: 'peer', create: () => createTfjsNaiveTarget(tf, 'webgpu', 'webgpu') },
  { name: 'tfjs-webgl-naive', role: 'peer', create: () => createTfjsNaiveTarget(tf, 'webgl', 'webgl') },
  { name: 'tfjs-wasm-naive', role: 'peer', create: () => createTfjsNaiveTarget(tf, 'wasm', 'tfjs-wasm') },
];
