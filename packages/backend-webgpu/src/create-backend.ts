import { AttnkitError } from '@attnkit/core';
import { acquireDevice } from './adapter.js';
import { parseTuningCache, type TuningCache } from './autotune-cache.js';
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
  /**
   * How long, ms, a wait on the GPU (a read, or `tune`) may last before the backend gives the device up as lost
   * (default DEFAULT_WATCHDOG_MS, 120 000; Infinity: never): the call rejects with DEVICE_LOST naming the limit,
   * `isLost` turns true, and every later call throws DEVICE_LOST. A driver that never finishes a shader then
   * fails a call instead of leaving it waiting forever. The wait includes work queued before it.
   */
  readonly watchdogMs?: number;
  /**
   * Time the attention candidates of a shape class on this adapter the first time a call meets it (after that
   * call, when the queue is idle) and run the fastest from then on. Default: on for hardware adapters, off on
   * software ones (SwiftShader, lavapipe, llvmpipe), whose timings depend on whatever else the CPU runs.
   * `backend.tune(shapes)` tunes on request either way.
   */
  readonly autotune?: boolean;
  /**
   * Choices timed before: `backend.tuningCache()` of an earlier backend, as data or JSON text. Entries of other
   * adapters are kept (they round-trip) and unused; `tuning.attention` pins win over it.
   */
  readonly tuningCache?: TuningCache | string;
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
  const { watchdogMs } = options;
  if (watchdogMs !== undefined && (typeof watchdogMs !== 'number' || !(watchdogMs > 0))) {
    throw new AttnkitError('INVALID_ARGUMENT', 'webgpu createBackend: watchdogMs must be a number > 0', {
      argument: 'options.watchdogMs',
      expected: 'ms > 0 (Infinity: no watchdog)',
      given: String(watchdogMs),
    });
  }
  const { autotune } = options;
  if (autotune !== undefined && typeof autotune !== 'boolean') {
    throw new AttnkitError('INVALID_ARGUMENT', 'webgpu createBackend: autotune must be a boolean', {
      argument: 'options.autotune',
      expected: 'true or false',
      given: String(autotune),
    });
  }
  const tuningCache = options.tuningCache === undefined ? undefined : parseTuningCache(options.tuningCache);
  return new WebGpuBackend(await acquireDevice(options.device), {
    tuning: options.tuning,
    poolFreeBytes,
    pipelineCacheSize,
    watchdogMs,
    autotune,
    tuningCache,
  });
}
