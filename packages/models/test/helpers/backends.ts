import { type Backend, createReferenceBackend } from '@attnkit/core';

/**
 * The backends the model tests loop over. The reference runs everywhere; the tfjs, WebGPU and gpu.js
 * backends join here as their packages land (each entry says why it would be skipped).
 */
export interface TestBackend {
  readonly name: string;
  /** Absolute tolerance for logits compared with the reference. */
  readonly atol: number;
  create(): Promise<Backend>;
}

export const TEST_BACKENDS: readonly TestBackend[] = [{ name: 'reference', atol: 1e-9, create: async () => createReferenceBackend() }];
