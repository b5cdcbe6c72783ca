export { GpujsBackend } from './backend.js';
export type { CreateGpujsBackendOptions, GpujsMode } from './create-backend.js';
export { createBackend, gpujsBackendEntry } from './create-backend.js';
export type { KernelStats } from './kernel-cache.js';
export { GpujsTensor } from './tensor.js';
