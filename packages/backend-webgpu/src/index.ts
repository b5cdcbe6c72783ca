// The public types name GPUDevice and GPUBuffer: @webgpu/types is a dependency, and this directive (kept in
// dist/index.d.ts) brings it into a consumer's program, so that it needs neither the package nor skipLibCheck.
/// <reference types="@webgpu/types" preserve="true" />
export { WebGpuBackend, type WebGpuMemoryInfo } from './backend.js';
export { type CreateBackendOptions, createBackend } from './create-backend.js';
export { webgpuBackendEntry } from './entry.js';
export type { AttentionTuning } from './kernels/attention-stream.js';
export type { MatmulTuning } from './kernels/matmul.js';
export { DEFAULT_PIPELINE_CACHE_SIZE, type PipelineStats } from './pipelines.js';
export { DEFAULT_POOL_FREE_BYTES, type PoolStats } from './pool.js';
export { WebGpuTensor } from './tensor.js';
export type { AdapterClass, AttentionShape, TuningOverrides } from './tuner.js';
export { LAVAPIPE_ICD, lavapipeEnv, SWIFTSHADER_ICD, swiftShaderEnv } from './vulkan.js';
