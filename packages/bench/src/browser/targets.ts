import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { attnkitTarget } from '../targets/attnkit.js';
import { createGpujsNaiveTarget } from '../targets/gpujs-naive.js';
import type { TargetFactory, TargetFamily } from '../targets/target.js';
import { createTfjsNaiveTarget, profilePeak } from '../targets/tfjs-naive.js';
import { threadVariantFactories } from '../targets/thread-variants.js';
import { wasmTarget } from '../targets/wasm.js';
import { createBrowserOnnxRuntimeWebTarget } from './onnxruntime-web.js';
import { SERVED } from './served-paths.js';

/**
 * The targets of a run in headless Chromium. Imports are literal here (the bundler follows them); the
 * tfjs-wasm binaries are served under /wasm/. tfjs's own WebGPU backend finds its device through
 * navigator.gpu, the same SwiftShader adapter as attnkit's WebGPU backend. The page is cross-origin
 * isolated (run.ts), so the WebAssembly targets have threads: attnkit's wasm kernels and onnxruntime-web on
 * every core and on one; tfjs-wasm takes its multi-threaded build there too, and says so in its "runs on".
 */
setWasmPaths(SERVED.tfjsWasm);

const cores = () =>
  (globalThis as unknown as { navigator: { hardwareConcurrency: number } }).navigator.hardwareConcurrency;

const tfjsAttnkit = (tfjsBackend: string, family: TargetFamily): TargetFactory => ({
  name: `tfjs-${tfjsBackend}`,
  role: 'backend',
  create: async () => {
    const { createBackend } = await import('@attnkit/backend-tfjs');
    return attnkitTarget(await createBackend({ tfjsBackend }), family, {
      profilePeak: (call) => profilePeak(tf, call),
    });
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
  ...threadVariantFactories('wasm', 'backend', cores, async (name, threads) => {
    const { createBackend } = await import('@attnkit/backend-wasm');
    return wasmTarget(await createBackend({ threads }), name);
  }),
  tfjsAttnkit('webgpu', 'webgpu'),
  tfjsAttnkit('webgl', 'webgl'),
  tfjsAttnkit('wasm', 'tfjs-wasm'),
  { name: 'tfjs-webgpu-naive', role: 'peer', create: () => createTfjsNaiveTarget(tf, 'webgpu', 'webgpu') },
  { name: 'tfjs-webgl-naive', role: 'peer', create: () => createTfjsNaiveTarget(tf, 'webgl', 'webgl') },
  { name: 'tfjs-wasm-naive', role: 'peer', create: () => createTfjsNaiveTarget(tf, 'wasm', 'tfjs-wasm') },
  { name: 'gpujs-naive', role: 'peer', create: async () => createGpujsNaiveTarget(await import('gpu.js'), 'webgl2') },
  ...threadVariantFactories('onnxruntime-web', 'peer', cores, createBrowserOnnxRuntimeWebTarget),
];
