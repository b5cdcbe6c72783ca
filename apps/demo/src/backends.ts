import { gpujsBackendEntry } from '@attnkit/backend-gpujs/entry';
import { type TfjsBackendName, tfjsBackendEntry } from '@attnkit/backend-tfjs/entry';
import { wasmBackendEntry } from '@attnkit/backend-wasm/entry';
import { webgpuBackendEntry } from '@attnkit/backend-webgpu/entry';
import { type BackendEntry, referenceBackendEntry } from '@attnkit/core';
import { WASM_PATH } from './load/manifest.js';

/**
 * The backends a visitor can pick: each backend package's own registry entry (names, probes, and priorities
 * from core's BACKEND_PRIORITIES), with a line for the picker. In a browser the entries' probes are feature
 * tests (an adapter, a WebGL2 context, WebAssembly), so opening the page downloads no backend package: each is
 * a separate chunk, imported when its backend is created. A backend can still probe available and fail to
 * start (a shader that does not compile, a lost context); the page then shows it disabled with the error.
 */
export interface DemoBackendEntry extends BackendEntry {
  /** What it is, in a few words, for the picker. */
  readonly about: string;
}

const withAbout = (entry: BackendEntry, label: string, about: string): DemoBackendEntry => ({
  name: entry.name,
  priority: entry.priority,
  probe: () => entry.probe(),
  create: () => entry.create(),
  label,
  about,
});

const tfjs = (name: TfjsBackendName, label: string, about: string) =>
  withAbout(tfjsBackendEntry(name, { load: () => importTfjsBackend(name) }), label, about);

export const DEMO_BACKENDS: readonly DemoBackendEntry[] = [
  withAbout(webgpuBackendEntry, 'WebGPU', "attnkit's WGSL kernels on WebGPU"),
  withAbout(gpujsBackendEntry, 'gpu.js · WebGL2', "attnkit's gpu.js kernels (GLSL) on WebGL2"),
  tfjs('webgpu', 'tfjs · WebGPU', 'TensorFlow.js kernels on WebGPU'),
  tfjs('webgl', 'tfjs · WebGL', 'TensorFlow.js kernels on WebGL'),
  withAbout(
    wasmBackendEntry,
    'WebAssembly SIMD',
    "attnkit's WebAssembly SIMD kernels, on worker threads where the page is cross-origin isolated",
  ),
  tfjs('wasm', 'tfjs · wasm', 'TensorFlow.js on WebAssembly (XNNPACK)'),
  tfjs('cpu', 'tfjs · CPU', 'TensorFlow.js in plain JavaScript'),
  withAbout(referenceBackendEntry, 'Reference', 'float64 TypeScript, the oracle: exact and slow'),
];

/** tfjs backends register themselves when imported; literal specifiers so the bundler splits each one out. */
async function importTfjsBackend(name: TfjsBackendName): Promise<void> {
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  else if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  else if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else {
    const [wasm, tf] = await Promise.all([import('@tensorflow/tfjs-backend-wasm'), import('@tensorflow/tfjs-core')]);
    wasm.setWasmPaths(new URL(WASM_PATH, document.baseURI).href);
    // The page is cross-origin isolated, so tfjs-wasm would pick its threaded build, whose pthread workers
    // evaluate the source text of its module factory: once bundled and minified, that text names a variable
    // of the enclosing chunk that no worker has ("u is not defined" in each). Its single-threaded build has
    // no workers.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
}
