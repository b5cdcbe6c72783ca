import type { Backend } from '@attnkit/core';
import { createMatrixRegistry } from '@attnkit/matrix';

const registry = createMatrixRegistry();

/** The Node backends of the perf/conformance matrix, by name: the matrix's list, not a copy of it. */
export const BACKEND_NAMES: readonly string[] = registry.list().map((entry) => entry.name);

export async function openBackend(name: string): Promise<Backend> {
  const entry = registry.get(name);
  const probe = await entry.probe();
  if (!probe.available) throw new Error(`backend ${name} is not available here: ${probe.reason}`);
  return entry.create();
}
