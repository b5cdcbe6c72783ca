export { GpujsBackend, type GpujsMemoryInfo } from './backend.js';
export type { CreateGpujsBackendOptions, GpujsMode } from './create-backend.js';
export { createBackend } from './create-backend.js';
export { gpujsBackendEntry } from './entry.js';
export {
  DEFAULT_KERNEL_CACHE_BYTES,
  DEFAULT_KERNEL_CACHE_SIZE,
  KERNEL_PROGRAM_BYTES,
  type KernelStats,
} from './kernel-cache.js';
export { GpujsTensor } from './tensor.js';
