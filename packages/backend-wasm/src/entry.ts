import {
  type BackendEntry,
  backendPriority,
  probeByCreating,
  probeWebAssembly,
  runsInNode,
  sharedMemoryDetail,
} from '@attnkit/core';

const create = async () => (await import('./create-backend.js')).createBackend();

/**
 * For a BackendRegistry, in Node or a browser. In Node the probe creates (and disposes) a backend, so the
 * detail names the SIMD build and the threads. In a browser it only checks WebAssembly and whether the page can
 * share memory with workers, so listing this entry downloads no kernels; `create` compiles them.
 */
export const wasmBackendEntry: BackendEntry = {
  name: 'wasm',
  label: 'WebAssembly (our SIMD kernels, threads)',
  priority: backendPriority('wasm'),
  probe: async () => {
    if (runsInNode()) return probeByCreating(create);
    const wasm = probeWebAssembly();
    return wasm.available ? { available: true, detail: sharedMemoryDetail() } : wasm;
  },
  create,
};
