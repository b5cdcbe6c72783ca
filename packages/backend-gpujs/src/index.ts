export { createBackend, gpujsBackendEntry } from './create-backend.js';
export type { CreateGpujsBackendOptions, GpujsMode } from './create-backend.js';
export { GpujsBackend, GPUJS_ATTENTION_CAPABILITIES } from './backend.js';
export type { KernelStats } from './kernel-cache.js';
export { GpujsTensor } from './tensor.js';
