/**
 * The one order of preference between backends, by registry entry name: `BackendRegistry.createBest()` picks
 * the highest available one. Every entry (each backend package's, and so the matrix's, the bench's, the demo's
 * and the model tests') reads its priority here; nothing else ranks backends.
 *
 * Why this order:
 * - GPU before CPU: on any real GPU each GPU entry outruns every CPU one (BENCHMARKS.md).
 * - attnkit's own kernels before tfjs's on the same device: they are fused (no score tensor), skip masked
 *   blocks and run the whole contract in one call; tfjs composes several kernels.
 * - WebGPU before WebGL: compute shaders and storage buffers, where WebGL packs data into textures.
 * - Our wasm (SIMD + threads) before tfjs-wasm (XNNPACK) before tfjs-cpu: measured on every CPU cell of the
 *   perf matrix (packages/backend-wasm/README.md).
 * - The float64 reference last: exact, and the slowest by far.
 */
export const BACKEND_PRIORITIES = {
  webgpu: 70,
  'gpujs-webgl': 60,
  'tfjs-webgpu': 50,
  'tfjs-webgl': 40,
  wasm: 35,
  'tfjs-wasm': 30,
  'tfjs-cpu': 20,
  reference: 10,
} as const satisfies Readonly<Record<string, number>>;

export type KnownBackendName = keyof typeof BACKEND_PRIORITIES;

/** A name this table does not know ranks below every known one (a user's own backend sets its own). */
export function backendPriority(name: string): number {
  return (BACKEND_PRIORITIES as Readonly<Record<string, number>>)[name] ?? 0;
}
