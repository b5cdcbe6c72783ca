export { SWIFTSHADER_ICD } from './adapter.js';
export { WebGpuBackend } from './backend.js';
export { type CreateBackendOptions, createBackend } from './create-backend.js';
export { webgpuBackendEntry } from './entry.js';
export type { AttentionTuning } from './kernels/attention-stream.js';
export type { MatmulTuning } from './kernels/matmul.js';
export type { PoolStats } from './pool.js';
export { WebGpuTensor } from './tensor.js';
export type { AdapterClass, TuningOverrides } from './tuner.js';
