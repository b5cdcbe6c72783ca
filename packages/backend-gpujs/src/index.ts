export { GpujsBackend } from './backend.js';
export type { CreateGpujsBackendOptions, GpujsMode } from './create-backend.js';
export { createBackend } from './create-backend.js';
export { gpujsBackendEntry } from './entry.js';
export type { KernelStats } from './kernel-cache.js';
export { GpujsTensor } from './tensor.js';
