import { type Backend, createReferenceBackend } from '@attnkit/core';

/**
 * The backends the model tests loop over. The reference runs everywhere; the tfjs, WebGPU and gpu.js
 * backends join here as their packages land (each entry says why it would be skipped).
 */
export interface TestBackend {
  readonly name: string;
  /** Absolute tolerance for logits compared with the reference. */
  readonly atol: number;
  /** Per test and per setup hook, in ms: software GPUs decode the fixtures in seconds, not milliseconds. */
  readonly timeout: number;
  create(): Promise<Backend>;
}

/*
 * Checked by hand on 2026-11-23 (tfjs-wasm and WebGPU on SwiftShader through this suite with a 300 s
 * timeout; tfjs-cpu and gpu.js on headless-gl through the pipelines): identical greedy and beam outputs,
 * probabilities within 1e-7, no leaks. They join this list when the models package depends on them.
 */
export const TEST_BACKENDS: readonly TestBackend[] = [{ name: 'reference', atol: 1e-9, timeout: 30_000, create: async () => createReferenceBackend() }];
