import { BackendRegistry, referenceBackendEntry } from '@attnkit/core';

/**
 * The backends the matrix knows. Adding a backend is one line: its package's `BackendEntry` in this list
 * (heavy packages import themselves inside the entry's probe/create, so listing one costs nothing).
 */
export function createMatrixRegistry(): BackendRegistry {
  return new BackendRegistry([
    referenceBackendEntry,
  ]);
}
