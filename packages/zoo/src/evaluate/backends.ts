import type { Backend } from '@attnkit/core';
import { createMatrixRegistry } from '@attnkit/matrix';

/** The Node backends of the perf/conformance matrix, by name (reference, tfjs-cpu, tfjs-wasm, webgpu, gpujs-webgl). */
export const BACKEND_NAMES = ['reference', 'tfjs-cpu', 'tfjs-wasm', 'webgpu', 'gpujs-webgl'] as const;

const registry = createMatrixRegistry();

export async function openBackend(name: string): Promise<Backend> {
  const entry = registry.get(name);
  const probe = await entry.probe();
  if (!probe.available) throw new Error(`backend ${name} is not available here: ${probe.reason}`);
  return entry.create();
}
