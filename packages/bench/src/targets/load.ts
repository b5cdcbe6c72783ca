import type { Backend } from '@attnkit/core';

/**
 * Backend packages are loaded by name at run time and typed here by the little the bench uses, so this
 * package builds and runs while a backend package is missing, unbuilt or broken: that backend is then
 * reported unavailable with the import error as the reason.
 */
export interface BackendModule<O> {
  createBackend(options?: O): Promise<Backend>;
}

export async function importBackendPackage<O = undefined>(
  specifier: '@attnkit/backend-tfjs' | '@attnkit/backend-webgpu' | '@attnkit/backend-gpujs' | '@attnkit/backend-wasm',
): Promise<BackendModule<O>> {
  const name: string = specifier;
  const module = (await import(name)) as Partial<BackendModule<O>>;
  if (typeof module.createBackend !== 'function') throw new Error(`${specifier} exports no createBackend()`);
  return module as BackendModule<O>;
}
