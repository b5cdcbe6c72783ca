// The public types name GPUDevice and GPUBuffer: @webgpu/types is a dependency, and this directive (kept in
// dist/index.d.ts) brings it into a consumer's program, so that it needs neither the package nor skipLibCheck.
/// <reference types="@webgpu/types" preserve="true" />
export type { TuneOptions, TuneResult, TuneShape } from './autotune.js';
export {
  type AdapterIdentity,
  parseTuningCache,
  TUNING_CACHE_FORMAT,
  TUNING_CACHE_VERSION,
  type TuningCache,
  type TuningCacheEntry,
} from './autotune-cache.js';
export type { Measurement } from './autotune-measure.js';
export { WebGpuBackend, type WebGpuMemoryInfo } from './backend.js';
export { type CreateBackendOptions, createBackend } from './create-backend.js';
export { webgpuBackendEntry } from './entry.js';
export { DEFAULT_WATCHDOG_MS } from './gpu.js';
export type { AttentionTuning } from './kernels/attention-stream.js';
export type { MatmulTuning } from './kernels/matmul.js';
export { DEFAULT_PIPELINE_CACHE_SIZE, type PipelineStats } from './pipelines.js';
export { DEFAULT_POOL_FREE_BYTES, type PoolStats } from './pool.js';
export { WebGpuTensor } from './tensor.js';
export type { AdapterClass, AttentionShape, TuningOverrides } from './tuner.js';
export { LAVAPIPE_ICD, lavapipeEnv, SWIFTSHADER_ICD, swiftShaderEnv } from './vulkan.js';
