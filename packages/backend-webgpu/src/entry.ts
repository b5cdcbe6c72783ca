import { type BackendEntry, backendPriority } from '@attnkit/core';
import { probeAdapter } from './adapter.js';

/**
 * For a BackendRegistry, in Node or a browser; registering is the caller's choice (importing this package
 * registers nothing). The probe asks for an adapter (navigator.gpu, or Dawn in Node) without loading the
 * kernels; `create` imports the backend itself, so `@attnkit/backend-webgpu/entry` is light enough for a page
 * to list backends it may never use.
 */
export const webgpuBackendEntry: BackendEntry = {
  name: 'webgpu',
  label: 'WebGPU (hand-written WGSL)',
  priority: backendPriority('webgpu'),
  probe: probeAdapter,
  create: async () => (await import('./create-backend.js')).createBackend(),
};
