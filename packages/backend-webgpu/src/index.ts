import type { BackendEntry } from '@attnkit/core';
import { acquireDevice, probeAdapter } from './adapter.js';
import { WebGpuBackend } from './backend.js';
import type { TuningOverrides } from './tuner.js';

export interface CreateBackendOptions {
  /** Use this device instead of finding one; the backend then never destroys it. */
  readonly device?: GPUDevice;
  /** Pin kernel variants (otherwise chosen per adapter and shape). */
  readonly tuning?: TuningOverrides;
}

/**
 * The WebGPU backend: hand-written WGSL on a given GPUDevice or one found through navigator.gpu (browser)
 * or the `webgpu` package (Node). Rejects with AttnkitError 'UNAVAILABLE' and the reason when there is no
 * adapter; it never falls back to anything else.
 */
export async function createBackend(options: CreateBackendOptions = {}): Promise<WebGpuBackend> {
  return new WebGpuBackend(await acquireDevice(options.device), options.tuning);
}

/** For a BackendRegistry; registering is the caller's choice (importing this package registers nothing). */
export const webgpuBackendEntry: BackendEntry = {
  name: 'webgpu',
  label: 'WebGPU (hand-written WGSL)',
  priority: 30,
  probe: probeAdapter,
  create: () => createBackend(),
};

export { SWIFTSHADER_ICD } from './adapter.js';
export { WebGpuBackend } from './backend.js';
export type { AttentionTuning } from './kernels/attention-stream.js';
export type { MatmulTuning } from './kernels/matmul.js';
export type { PoolStats } from './pool.js';
export { WebGpuTensor } from './tensor.js';
export type { AdapterClass, TuningOverrides } from './tuner.js';
