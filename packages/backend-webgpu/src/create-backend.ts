import { acquireDevice } from './adapter.js';
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
