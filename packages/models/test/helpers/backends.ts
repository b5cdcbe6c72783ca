import { FLOAT64_TOLERANCE, type Tolerance, toleranceFor } from '@attnkit/conformance';
import type { Backend } from '@attnkit/core';
import { MATRIX_BACKENDS } from '@attnkit/matrix';

/**
 * The backends the model tests run on. Every entry must be available where the tests run (the test script
 * provides an X display for headless-gl; WebGPU uses Dawn on SwiftShader): a backend that cannot be created
 * fails its tests instead of being skipped in silence.
 *
 *   tolerance  for logits, probabilities and attention maps against the recorded fixtures (float64 reference
 *            outputs) and between two runs of one backend: the reference keeps float64 exactness (fixtures come
 *            from it), every other backend the float32 policy of the conformance suite. Worst seen (2026-11-24,
 *            logits up to ~10): tfjs-cpu 1.9e-6, tfjs-wasm 2.9e-6, WebGPU on SwiftShader 3.3e-6, gpu.js on
 *            headless-gl 2.4e-6, backend-wasm 2.9e-6 (2026-12-02);
 *   timeout  per test and per hook, in ms: software GPUs decode the fixtures in seconds, not milliseconds;
 *   full     runs every model test (backend-wasm decodes the fixtures in about a second, so it does too); the
 *            others run the focused cross-backend suite (cross-backend.test.ts);
 *   maxNewTokens  decode length in the focused suite: gpu.js builds kernels for every new sequence length,
 *            and a test that holds the event loop for over 60 s trips vitest's worker RPC timeout.
 */
export interface TestBackend {
  readonly name: string;
  readonly tolerance: Tolerance;
  readonly timeout: number;
  readonly full: boolean;
  readonly maxNewTokens?: number;
  create(): Promise<Backend>;
}

/** Each test backend is the backend package's own registry entry: no per-test loading code. */
const entries = Object.fromEntries(MATRIX_BACKENDS.map((e) => [e.name, e]));
const create = (name: string) => () => entries[name].create();

const FLOAT32 = toleranceFor('float32');

export const ALL_BACKENDS: readonly TestBackend[] = [
  { name: 'reference', tolerance: FLOAT64_TOLERANCE, timeout: 30_000, full: true, create: create('reference') },
  { name: 'tfjs-cpu', tolerance: FLOAT32, timeout: 60_000, full: true, create: create('tfjs-cpu') },
  { name: 'tfjs-wasm', tolerance: FLOAT32, timeout: 60_000, full: false, create: create('tfjs-wasm') },
  { name: 'wasm', tolerance: FLOAT32, timeout: 60_000, full: true, create: create('wasm') },
  { name: 'webgpu', tolerance: FLOAT32, timeout: 300_000, full: false, create: create('webgpu') },
  {
    name: 'gpujs-webgl',
    tolerance: FLOAT32,
    timeout: 300_000,
    full: false,
    maxNewTokens: 6,
    create: create('gpujs-webgl'),
  },
];

/** The backends every model test loops over. */
export const TEST_BACKENDS = ALL_BACKENDS.filter((b) => b.full);
/** The backends that run only the focused cross-backend suite. */
export const FOCUSED_BACKENDS = ALL_BACKENDS.filter((b) => !b.full);
