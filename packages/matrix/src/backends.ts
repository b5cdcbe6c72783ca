import { gpujsBackendEntry } from '@attnkit/backend-gpujs/entry';
import { tfjsBackendEntry } from '@attnkit/backend-tfjs/entry';
import { wasmBackendEntry } from '@attnkit/backend-wasm/entry';
import { webgpuBackendEntry } from '@attnkit/backend-webgpu/entry';
import { type BackendEntry, BackendRegistry, referenceBackendEntry } from '@attnkit/core';

/**
 * The backends the matrix runs, in Node: every backend package's own entry, so names, labels and priorities
 * are the packages' (priorities: core's BACKEND_PRIORITIES). Entries load their heavy packages only when
 * probed, so one whose platform is missing (no adapter, no X display) shows up as unavailable with the reason.
 * Adding a backend is one line here.
 */
export const MATRIX_BACKENDS: readonly BackendEntry[] = [
  referenceBackendEntry,
  tfjsBackendEntry('cpu'),
  tfjsBackendEntry('wasm'),
  webgpuBackendEntry,
  gpujsBackendEntry,
  wasmBackendEntry,
];

export function createMatrixRegistry(): BackendRegistry {
  return new BackendRegistry(MATRIX_BACKENDS);
}
