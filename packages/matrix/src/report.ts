import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MatrixArgs } from './args.js';
import type { BackendRun } from './table.js';

/** Writes the JSON report (non-finite errors as strings, which JSON cannot hold), creating its folder. */
export function writeJsonReport(path: string, args: MatrixArgs, runs: readonly BackendRun[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const body = {
    createdAt: new Date().toISOString(),
    tier: args.tier,
    precision: args.precision,
    backends: runs.map((run) => ({ name: run.name, skipped: run.skipped ?? null, reports: run.reports })),
  };
  const replacer = (_key: string, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
  writeFileSync(path, `${JSON.stringify(body, replacer, 2)}\n`);
}
