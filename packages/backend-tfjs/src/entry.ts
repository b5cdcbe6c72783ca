import {
  type Availability,
  type BackendEntry,
  backendPriority,
  probeNavigatorGpu,
  probeWebAssembly,
  probeWebGl,
  runsInNode,
} from '@attnkit/core';
import type { CreateBackendOptions, TfjsBackendName } from './backend.js';

export type { TfjsBackendName };

const LABELS: Record<string, string> = {
  cpu: 'TensorFlow.js (cpu, plain JavaScript)',
  wasm: 'TensorFlow.js (wasm, XNNPACK)',
  webgl: 'TensorFlow.js (webgl)',
  webgpu: 'TensorFlow.js (webgpu)',
};

export interface TfjsEntryOptions extends Omit<CreateBackendOptions, 'tfjsBackend'> {
  /**
   * Registers the tfjs backend: imports its package and, for wasm, says where its binaries are. In Node the
   * default imports the installed `@tensorflow/tfjs-backend-<name>` (wasm binaries from its `dist/`). In a
   * browser there is no default, because a bundler must see the import:
   * `load: () => import('@tensorflow/tfjs-backend-webgl')` (or import it yourself before creating).
   */
  readonly load?: () => Promise<unknown>;
}

/**
 * A registry entry for one tfjs backend, in Node or a browser. Nothing is registered on import, and neither
 * tfjs nor its backend is loaded until the entry is probed (Node) or created: in a browser the probe is a
 * feature test of the platform (an adapter, a WebGL context, WebAssembly), so listing the entry downloads
 * nothing. In Node the probe loads and initializes the tfjs backend, then gives tfjs back the active backend it
 * had (if it had one).
 */
export function tfjsBackendEntry(tfjsBackend: TfjsBackendName, options: TfjsEntryOptions = {}): BackendEntry {
  const { load: given, ...createOptions } = options;
  const load = given ?? (runsInNode() ? () => loadTfjsBackendInNode(tfjsBackend) : async () => {});
  let loaded: Promise<unknown> | null = null;
  const loadOnce = () =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = null;
      throw error;
    }));
  return {
    name: `tfjs-${tfjsBackend}`,
    label: LABELS[tfjsBackend] ?? `TensorFlow.js (${tfjsBackend})`,
    priority: backendPriority(`tfjs-${tfjsBackend}`),
    probe: async () => {
      if (!runsInNode()) return probePlatform(tfjsBackend);
      try {
        await loadOnce();
      } catch (error) {
        return { available: false, reason: `cannot load tfjs-${tfjsBackend}: ${messageOf(error)}` };
      }
      return probeTfjsBackend(tfjsBackend);
    },
    create: async () => {
      await loadOnce();
      return (await import('./backend.js')).createBackend({ ...createOptions, tfjsBackend });
    },
  };
}

/** Whether the tfjs backend is registered and initializes; makes it tfjs's active backend. */
export async function probeTfjsBackend(tfjsBackend: string): Promise<Availability> {
  const tf = await import('@tensorflow/tfjs-core');
  if (!(tfjsBackend in tf.engine().registryFactory)) {
    return {
      available: false,
      reason: `the tfjs backend '${tfjsBackend}' is not registered (import '@tensorflow/tfjs-backend-${tfjsBackend}')`,
    };
  }
  // Initializing needs setBackend, which switches tfjs's global backend: put back the one the user had.
  const before = tf.getBackend() as string | null | undefined;
  try {
    if (!(await tf.setBackend(tfjsBackend)))
      return { available: false, reason: `the tfjs backend '${tfjsBackend}' failed to initialize` };
  } catch (error) {
    return {
      available: false,
      reason: `the tfjs backend '${tfjsBackend}' failed to initialize: ${messageOf(error)}`,
    };
  } finally {
    if (before && before !== tfjsBackend) await tf.setBackend(before);
  }
  return { available: true, detail: `tfjs ${tf.version_core} on ${tfjsBackend}` };
}

function probePlatform(tfjsBackend: string): Promise<Availability> | Availability {
  if (tfjsBackend === 'webgpu') return probeNavigatorGpu();
  if (tfjsBackend === 'webgl') return probeWebGl('webgl2', 'webgl');
  if (tfjsBackend === 'wasm') return probeWebAssembly();
  return { available: true };
}

/** Variable specifiers keep bundlers from following Node-only code into a browser build. */
async function importDynamic<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ specifier)) as T;
}

/**
 * Imports the installed tfjs backend package; for wasm, points it at the binaries in that package's `dist/`
 * (tfjs-wasm otherwise looks next to the script that loaded it, which in Node is not where they are).
 */
export async function loadTfjsBackendInNode(tfjsBackend: string): Promise<void> {
  const specifier = `@tensorflow/tfjs-backend-${tfjsBackend}`;
  const module = await importDynamic<{ setWasmPaths?(prefix: string): void }>(specifier);
  if (tfjsBackend !== 'wasm') return;
  const { createRequire } = await importDynamic<{
    createRequire(from: string): { resolve(specifier: string): string };
  }>('node:module');
  const { dirname } = await importDynamic<{ dirname(path: string): string }>('node:path');
  const main = createRequire((import.meta as { url: string }).url).resolve(specifier);
  // main is <package>/dist/tf-backend-wasm.node.js: the binaries sit beside it.
  module.setWasmPaths?.(`${dirname(main)}/`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
