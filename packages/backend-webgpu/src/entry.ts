import { type BackendEntry, backendPriority, probeNavigatorGpu, runsInNode } from '@attnkit/core';

/**
 * For a BackendRegistry, in Node or a browser; registering is the caller's choice (importing this package
 * registers nothing). The probe asks for an adapter without loading the kernels: in Node through Dawn (the
 * `webgpu` package), in a browser through navigator.gpu (one request per page, shared with tfjs's WebGPU
 * entry). `create` imports the backend itself, so `@attnkit/backend-webgpu/entry` is light enough for a page
 * to list backends it may never use.
 */
export const webgpuBackendEntry: BackendEntry = {
  name: 'webgpu',
  label: 'WebGPU (hand-written WGSL)',
  priority: backendPriority('webgpu'),
  probe: async () => (runsInNode() ? (await import('./adapter.js')).probeAdapter() : probeNavigatorGpu()),
  create: async () => (await import('./create-backend.js')).createBackend(),
};
