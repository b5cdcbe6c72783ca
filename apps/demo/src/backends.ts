import {
  type Availability,
  type Backend,
  type BackendEntry,
  BackendRegistry,
  createReferenceBackend,
} from '@attnkit/core';
import { WASM_PATH } from './load/manifest.js';

/**
 * The backends a visitor can pick, as BackendRegistry entries. Probes are cheap feature tests (a WebGPU
 * adapter, a WebGL2 context, WebAssembly) so that opening the page downloads no backend package: each
 * package is a separate chunk, imported when its backend is created. A backend can still probe available
 * and fail to start (a shader that does not compile, a lost context); the page then shows it disabled with
 * the error. Priority is the order of preference: the default is the first available one that starts.
 */
export interface DemoBackendEntry extends BackendEntry {
  /** What it is, in a few words, for the picker. */
  readonly about: string;
}

type TfjsName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export function createDemoRegistry(): BackendRegistry {
  return new BackendRegistry(DEMO_BACKENDS);
}

export const DEMO_BACKENDS: readonly DemoBackendEntry[] = [
  {
    name: 'webgpu',
    label: 'WebGPU',
    about: "attnkit's WGSL kernels on WebGPU",
    priority: 70,
    probe: probeWebGpu,
    create: async () => (await import('@attnkit/backend-webgpu')).createBackend(),
  },
  {
    name: 'gpujs-webgl',
    label: 'gpu.js · WebGL2',
    about: "attnkit's gpu.js kernels (GLSL) on WebGL2",
    priority: 60,
    probe: async () => probeWebGl('webgl2'),
    create: async () => (await import('@attnkit/backend-gpujs')).createBackend(),
  },
  tfjsEntry('webgpu', 50, 'TensorFlow.js kernels on WebGPU', probeWebGpu),
  tfjsEntry('webgl', 40, 'TensorFlow.js kernels on WebGL', async () => probeWebGl('webgl2', 'webgl')),
  {
    name: 'wasm',
    label: 'WebAssembly SIMD',
    about: "attnkit's WebAssembly SIMD kernels, on worker threads where the page is cross-origin isolated",
    priority: 35,
    probe: async () => probeWasmThreads(),
    create: async () => (await import('@attnkit/backend-wasm')).createBackend(),
  },
  tfjsEntry('wasm', 30, 'TensorFlow.js on WebAssembly (XNNPACK)', async () => probeWebAssembly()),
  tfjsEntry('cpu', 20, 'TensorFlow.js in plain JavaScript', async () => ({ available: true })),
  {
    name: 'reference',
    label: 'Reference',
    about: 'float64 TypeScript, the oracle: exact and slow',
    priority: 10,
    probe: async () => ({ available: true }),
    create: async () => createReferenceBackend(),
  },
];

function tfjsEntry(
  tfjsBackend: TfjsName,
  priority: number,
  about: string,
  probe: () => Promise<Availability>,
): DemoBackendEntry {
  return {
    name: `tfjs-${tfjsBackend}`,
    label: `tfjs · ${{ webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'wasm', cpu: 'CPU' }[tfjsBackend]}`,
    about,
    priority,
    probe,
    create: async () => {
      const [{ createBackend }] = await Promise.all([import('@attnkit/backend-tfjs'), importTfjsBackend(tfjsBackend)]);
      return createBackend({ tfjsBackend }) as Promise<Backend>;
    },
  };
}

/** tfjs backends register themselves when imported; literal specifiers so the bundler splits each one out. */
async function importTfjsBackend(name: TfjsName): Promise<void> {
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

let adapterProbe: Promise<Availability> | null = null;

/** One adapter request, shared by attnkit's and tfjs's WebGPU entries. */
function probeWebGpu(): Promise<Availability> {
  adapterProbe ??= (async (): Promise<Availability> => {
    if (!('gpu' in navigator) || !navigator.gpu) {
      return {
        available: false,
        reason:
          'navigator.gpu is missing: this browser has no WebGPU, or it is turned off (or the page is not served over https/localhost)',
      };
    }
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter)
      return {
        available: false,
        reason: 'navigator.gpu.requestAdapter() returned null: no WebGPU adapter (GPU blocklisted or disabled)',
      };
    const { vendor, architecture, description } = adapter.info;
    return {
      available: true,
      detail: [description, vendor, architecture].filter(Boolean).join(' · ') || 'an adapter without a name',
    };
  })();
  return adapterProbe;
}

function probeWebAssembly(): Availability {
  return typeof WebAssembly === 'object'
    ? { available: true }
    : { available: false, reason: 'this browser has no WebAssembly' };
}

/**
 * Worker threads share a memory only through SharedArrayBuffer, which a browser gives to a cross-origin-isolated
 * page alone (the server's COOP and COEP headers, see vite.config.ts): the detail says which the visitor gets.
 */
function probeWasmThreads(): Availability {
  const wasm = probeWebAssembly();
  if (!wasm.available) return wasm;
  return {
    available: true,
    detail: globalThis.crossOriginIsolated
      ? 'cross-origin isolated: worker threads'
      : 'not cross-origin isolated: 1 thread',
  };
}

function probeWebGl(...kinds: ('webgl2' | 'webgl')[]): Availability {
  for (const kind of kinds) {
    const gl = document.createElement('canvas').getContext(kind) as WebGLRenderingContext | null;
    if (!gl) continue;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    // Browsers cap live WebGL contexts: give this probe's back now.
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return { available: true, detail: `${kind === 'webgl2' ? 'WebGL2' : 'WebGL'} · ${renderer}` };
  }
  return {
    available: false,
    reason: `no ${kinds.join(' or ')} context (canvas.getContext returned null: WebGL is off or unsupported)`,
  };
}
