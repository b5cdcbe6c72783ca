import { type BackendEntry, isAttnkitError } from '@attnkit/core';
import { MATRIX_BACKENDS } from '@attnkit/matrix';
import { type SoakOptions, type SoakResult, soakBackend } from './soak.js';

export interface SoakRun {
  readonly name: string;
  /** The result, or why the backend did not run (unavailable here, or it failed to start). */
  readonly result: SoakResult | { readonly skipped: string };
}

export class UnknownBackendError extends Error {}

/** The backends to soak: MATRIX_BACKENDS (the one Node list), in its order, or the named ones. */
export function selectEntries(names: readonly string[] | null, entries = MATRIX_BACKENDS): readonly BackendEntry[] {
  if (names === null) return entries;
  const known = entries.map((e) => e.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new UnknownBackendError(`unknown backend ${unknown.join(', ')} (known: ${known.join(', ')})`);
  }
  return entries.filter((e) => names.includes(e.name));
}

/**
 * Soaks each entry in turn, one backend alive at a time: probe, create, soak, dispose. An unavailable backend
 * is listed with its reason; a backend that cannot be created or whose run throws is listed as failed.
 */
export async function runSoak(
  entries: readonly BackendEntry[],
  options: SoakOptions,
  onResult: (run: SoakRun) => void = () => {},
): Promise<SoakRun[]> {
  const runs: SoakRun[] = [];
  for (const entry of entries) {
    const availability = await entry.probe().catch((e: unknown) => ({ available: false as const, reason: text(e) }));
    let run: SoakRun;
    if (!availability.available) {
      run = { name: entry.name, result: { skipped: `unavailable: ${availability.reason}` } };
    } else {
      options.log?.(`${entry.name}: ${options.calls} calls, 2 decodes of ${options.steps} steps`);
      let backend: Awaited<ReturnType<BackendEntry['create']>> | undefined;
      try {
        backend = await entry.create();
        run = { name: entry.name, result: await soakBackend(backend, options) };
      } catch (error) {
        run = {
          name: entry.name,
          result: { skipped: `failed: ${isAttnkitError(error) ? error.code : ''} ${text(error)}` },
        };
      } finally {
        backend?.dispose();
      }
    }
    runs.push(run);
    onResult(run);
  }
  return runs;
}

/** True when every backend that ran held every bound and none failed to start. */
export function soakPassed(runs: readonly SoakRun[]): boolean {
  return runs.every((r) =>
    'skipped' in r.result ? r.result.skipped.startsWith('unavailable') : r.result.breaches.length === 0,
  );
}

function text(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
