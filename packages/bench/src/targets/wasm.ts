import type { Backend } from '@attnkit/core';
import { attnkitTarget } from './attnkit.js';
import type { Target } from './target.js';

/**
 * attnkit's own WebAssembly SIMD kernels (@attnkit/backend-wasm) on the threads its backend was created
 * with, named and labelled for them. It streams over keys, so it takes the heavy cases. Browser-safe.
 */
export function wasmTarget(backend: Backend, name: string): Target {
  const { simd, threads } = backend.runsOn.details;
  return {
    ...attnkitTarget(backend, 'wasm'),
    name,
    label: `attnkit wasm (${simd}, ${threads === 1 ? '1 thread' : `${threads} threads`})`,
    threads: Number(threads),
    runsHeavyCases: true,
  };
}

/**
 * The backend in Node on exactly `threads` threads (it rejects rather than settle on fewer). Its SIMD build
 * is its default: relaxed SIMD where the engine validates it, which Node 20 does only under
 * --experimental-wasm-relaxed-simd; the label says which ran.
 */
export async function createWasmTarget(name: string, threads: number): Promise<Target> {
  // The registry entry takes no options; the thread variants need exactly `threads`.
  const { createBackend } = await import('@attnkit/backend-wasm');
  return wasmTarget(await createBackend({ threads }), name);
}
