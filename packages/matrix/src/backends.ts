import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type BackendEntry, BackendRegistry, referenceBackendEntry } from '@attnkit/core';

/**
 * The backends the matrix knows, in Node. Adding a backend is one line in the list below. Each entry
 * imports its package only when probed, so a backend whose package or platform is missing shows up as
 * unavailable with the reason instead of stopping the run.
 */
export function createMatrixRegistry(): BackendRegistry {
  return new BackendRegistry([
    referenceBackendEntry,
    lazyEntry('tfjs-cpu', 'TensorFlow.js (cpu)', 10, async () => {
      await import('@tensorflow/tfjs-backend-cpu');
      return (await import('@attnkit/backend-tfjs')).tfjsBackendEntry('cpu');
    }),
    lazyEntry('tfjs-wasm', 'TensorFlow.js (wasm, XNNPACK)', 20, async () => {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // In Node tfjs-wasm loads its binaries from a path; point it at the installed package.
      const require = createRequire(import.meta.url);
      wasm.setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
      return (await import('@attnkit/backend-tfjs')).tfjsBackendEntry('wasm');
    }),
    lazyEntry(
      'webgpu',
      'WebGPU (hand-written WGSL)',
      30,
      async () => (await import('@attnkit/backend-webgpu')).webgpuBackendEntry,
    ),
    lazyEntry(
      'gpujs-webgl',
      'gpu.js (WebGL)',
      25,
      async () => (await import('@attnkit/backend-gpujs')).gpujsBackendEntry,
    ),
    lazyEntry(
      'wasm',
      'WebAssembly (our SIMD kernels, threads)',
      22,
      async () => (await import('@attnkit/backend-wasm')).wasmBackendEntry,
    ),
  ]);
}

/** An entry whose real entry (and heavy package) is loaded on first use; a failed import is a reason. */
function lazyEntry(name: string, label: string, priority: number, load: () => Promise<BackendEntry>): BackendEntry {
  let loaded: Promise<BackendEntry> | undefined;
  const real = () => (loaded ??= load());
  return {
    name,
    label,
    priority,
    probe: async () => {
      try {
        return await (await real()).probe();
      } catch (error) {
        return {
          available: false,
          reason: `cannot load the backend package: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
    },
    create: async () => (await real()).create(),
  };
}
