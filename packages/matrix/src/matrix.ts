import { runSuite, type SuiteReport } from '@attnkit/conformance';
import type { Backend, BackendRegistry, Precision } from '@attnkit/core';
import cliProgress from 'cli-progress';
import type { MatrixArgs } from './args.js';
import type { BackendRun } from './table.js';

export interface MatrixResult {
  readonly runs: BackendRun[];
  /** False when any case failed or errored, or a backend could not be created. */
  readonly ok: boolean;
}

/**
 * Probes every backend of the registry (or the ones asked for), runs the suite on each available one at
 * each precision asked for, and returns the runs. An unavailable backend is reported with its reason and
 * does not fail the matrix; a backend that probes available but whose factory throws does.
 */
export async function runMatrix(
  registry: BackendRegistry,
  args: MatrixArgs,
  log: (line: string) => void,
): Promise<MatrixResult> {
  const known = registry.list().map((e) => e.name);
  const unknown = (args.backends ?? []).filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`unknown backend(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const probed = (await registry.probeAll()).filter(
    (p) => args.backends === null || args.backends.includes(p.entry.name),
  );
  const runs: BackendRun[] = [];
  let ok = true;
  for (const { entry, availability } of probed) {
    if (!availability.available) {
      log(`${entry.name}: unavailable (${availability.reason})`);
      runs.push({ name: entry.name, reports: [], skipped: `unavailable: ${availability.reason}` });
      continue;
    }
    let backend: Backend;
    try {
      backend = await entry.create();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log(`${entry.name}: probe said available, but create() failed: ${reason}`);
      runs.push({ name: entry.name, reports: [], skipped: `create() failed: ${reason}` });
      ok = false;
      continue;
    }
    log(`${entry.name}: ${entry.label}, runs on ${backend.runsOn.description}`);
    const reports: SuiteReport[] = [];
    try {
      for (const precision of precisionsFor(backend, args.precision)) {
        const report = await runWithProgress(backend, args, precision);
        reports.push(report);
        if (report.counts.fail + report.counts.error > 0) ok = false;
      }
    } finally {
      backend.dispose();
    }
    runs.push({ name: backend.name, reports });
  }
  return { runs, ok };
}

/** 'all' runs float16 only where the backend declares it; an explicit float16 runs it anyway (and reports it unsupported). */
export function precisionsFor(backend: Backend, asked: Precision | 'all'): Precision[] {
  if (asked !== 'all') return [asked];
  return backend.capabilities.precisions.includes('float16') ? ['float32', 'float16'] : ['float32'];
}

async function runWithProgress(backend: Backend, args: MatrixArgs, precision: Precision): Promise<SuiteReport> {
  const bar = new cliProgress.SingleBar(
    {
      format: `  ${backend.name} ${precision} ${args.tier} [{bar}] {value}/{total} {failed} failed | {case}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let failed = 0;
  let started = false;
  const report = await runSuite(backend, {
    tier: args.tier,
    precision,
    onResult: (r, done, total) => {
      if (!started) bar.start(total, 0, { failed: 0, case: '' });
      started = true;
      if (r.status === 'fail' || r.status === 'error') failed++;
      bar.update(done, { failed, case: r.id });
    },
  });
  if (started) bar.stop();
  return report;
}
