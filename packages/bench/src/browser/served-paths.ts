/**
 * Where the Node side (run.ts) serves the files the page loads besides its bundle, and where the page
 * (targets.ts) looks for them. Browser-safe.
 */
export const SERVED = {
  /** tfjs-wasm's binaries. */
  tfjsWasm: '/wasm/',
  /** onnxruntime-web's dist: its wasm build (ort.wasm.min.mjs) loads its .wasm and pthread script from here. */
  onnxruntimeWeb: '/ort/',
  /** The bench's own worker scripts (onnxruntime-web-worker.mjs). */
  workers: '/workers/',
  /** The run's configuration (config.json). */
  config: '/config/',
} as const;
