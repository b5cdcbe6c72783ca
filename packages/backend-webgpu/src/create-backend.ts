import { AttnkitError } from '@attnkit/core';
import { acquireDevice } from './adapter.js';
import { WebGpuBackend } from './backend.js';
import type { TuningOverrides } from './tuner.js';

export interface CreateBackendOptions {
  /** Use this device instead of finding one; the backend then never destroys it. */
  readonly device?: GPUDevice;
  /** Pin kernel variants (otherwise chosen per adapter and shape). */
  readonly tuning?: TuningOverrides;
  /**
   * Bytes of released buffers the pool may keep for reuse (default DEFAULT_POOL_FREE_BYTES: 64 MiB on a GPU,
   * 16 MiB on a software adapter); beyond it the buffers released longest ago are destroyed. 0 keeps none;
   * Infinity keeps all (no trimming).
   */
  readonly poolFreeBytes?: number;
  /**
   * Compiled pipelines kept (default DEFAULT_PIPELINE_CACHE_SIZE, 256), least recently used dropped first;
   * `kernelStats()` counts them.
   */
  readonly pipelineCacheSize?: number;
}

/**
 * The WebGPU backend: hand-written WGSL on a given GPUDevice or one found through navigator.gpu (browser)
 * or the `webgpu` package (Node). Rejects with AttnkitError 'UNAVAILABLE' and the reason when there is no
 * adapter; it never falls back to anything else.
 */
export async function createBackend(options: CreateBackendOptions = {}): Promise<WebGpuBackend> {
  const { poolFreeBytes } = options;
  if (poolFreeBytes !== undefined && (typeof poolFreeBytes !== 'number' || !(poolFreeBytes >= 0))) {
    throw new AttnkitError('INVALID_ARGUMENT', 'webgpu createBackend: poolFreeBytes must be a number ≥ 0', {
      argument: 'options.poolFreeBytes',
      expected: 'a number of bytes ≥ 0 (Infinity: no cap)',
      given: String(poolFreeBytes),
    });
  }
  const { pipelineCacheSize } = options;
  if (pipelineCacheSize !== undefined && !(Number.isInteger(pipelineCacheSize) && pipelineCacheSize >= 1)) {
    throw new AttnkitError('INVALID_ARGUMENT', 'webgpu createBackend: pipelineCacheSize must be an integer ≥ 1', {
      argument: 'options.pipelineCacheSize',
      expected: 'an integer ≥ 1',
      given: String(pipelineCacheSize),
    });
  }
  return new WebGpuBackend(await acquireDevice(options.device), {
    tuning: options.tuning,
    poolFreeBytes,
    pipelineCacheSize,
  });
}
