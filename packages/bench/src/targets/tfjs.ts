import { attnkitTarget } from './attnkit.js';
import type { Target, TargetFamily } from './target.js';
import { createTfjsNaiveTarget as createNaive, profilePeak, type TfModule } from './tfjs-naive.js';

let loaded: Promise<TfModule> | null = null;

/** tfjs-core with the cpu and wasm backends registered (wasm files served from the package's dist). */
export function loadTfjs(): Promise<TfModule> {
  loaded ??= (async () => {
    // Imported here, not at the top: the bench loads and runs with a backend package missing (gpu-carry.mjs).
    const { loadTfjsBackendInNode } = await import('@attnkit/backend-tfjs/entry');
    const tf = await import('@tensorflow/tfjs-core');
    await loadTfjsBackendInNode('cpu');
    await loadTfjsBackendInNode('wasm');
    return tf;
  })();
  return loaded;
}

/** attnkit's tfjs backend on one tfjs backend ('cpu' or 'wasm' in Node). */
export async function createTfjsAttnkitTarget(tfjsBackend: string): Promise<Target> {
  const tf = await loadTfjs();
  const { tfjsBackendEntry } = await import('@attnkit/backend-tfjs/entry');
  const backend = await tfjsBackendEntry(tfjsBackend).create();
  return attnkitTarget(backend, `tfjs-${tfjsBackend}`, { profilePeak: (call) => profilePeak(tf, call) });
}

/** The naive tfjs composition on one tfjs backend in Node (see tfjs-naive.ts). */
export async function createTfjsNaiveTarget(
  tfjsBackend: string,
  family: TargetFamily,
  runsOn?: string,
): Promise<Target> {
  return createNaive(await loadTfjs(), tfjsBackend, family, runsOn);
}
