import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Backend, createReferenceBackend } from '@attnkit/core';

/**
 * The backends the model tests run on. Every entry must be available where the tests run (the test script
 * provides an X display for headless-gl; WebGPU uses Dawn on SwiftShader): a backend that cannot be created
 * fails its tests instead of being skipped in silence.
 *
 *   atol     absolute tolerance for logits and probabilities against the float64 reference. Worst seen
 *            (2026-11-24, fixtures, logits up to ~10): tfjs-cpu 1.9e-6, tfjs-wasm 2.9e-6, WebGPU on SwiftShader
 *            3.3e-6, gpu.js on headless-gl 2.4e-6, backend-wasm 2.9e-6 (2026-12-02); the GPU entries keep more
 *            room for real hardware;
 *   timeout  per test and per hook, in ms: software GPUs decode the fixtures in seconds, not milliseconds;
 *   full     runs every model test (backend-wasm decodes the fixtures in about a second, so it does too); the
 *            others run the focused cross-backend suite (cross-backend.test.ts);
 *   maxNewTokens  decode length in the focused suite: gpu.js builds kernels for every new sequence length,
 *            and a test that holds the event loop for over 60 s trips vitest's worker RPC timeout.
 */
export interface TestBackend {
  readonly name: string;
  readonly atol: number;
  readonly timeout: number;
  readonly full: boolean;
  readonly maxNewTokens?: number;
  create(): Promise<Backend>;
}

const require = createRequire(import.meta.url);

async function tfjs(name: 'cpu' | 'wasm'): Promise<Backend> {
  if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node tfjs-wasm reads its binaries from a path: the installed package's dist folder.
    wasm.setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
  }
  return (await import('@attnkit/backend-tfjs')).createBackend({ tfjsBackend: name });
}

export const ALL_BACKENDS: readonly TestBackend[] = [
  { name: 'reference', atol: 1e-9, timeout: 30_000, full: true, create: async () => createReferenceBackend() },
  { name: 'tfjs-cpu', atol: 2e-5, timeout: 60_000, full: true, create: () => tfjs('cpu') },
  { name: 'tfjs-wasm', atol: 2e-5, timeout: 60_000, full: false, create: () => tfjs('wasm') },
  {
    name: 'wasm',
    atol: 2e-5,
    timeout: 60_000,
    full: true,
    create: async () => (await import('@attnkit/backend-wasm')).createBackend(),
  },
  {
    name: 'webgpu',
    atol: 5e-5,
    timeout: 300_000,
    full: false,
    create: async () => (await import('@attnkit/backend-webgpu')).createBackend(),
  },
  {
    name: 'gpujs-webgl',
    atol: 5e-5,
    timeout: 300_000,
    full: false,
    maxNewTokens: 6,
    create: async () => (await import('@attnkit/backend-gpujs')).createBackend(),
  },
];

/** The backends every model test loops over. */
export const TEST_BACKENDS = ALL_BACKENDS.filter((b) => b.full);
/** The backends that run only the focused cross-backend suite. */
export const FOCUSED_BACKENDS = ALL_BACKENDS.filter((b) => !b.full);
