import type { CaseResult, SuiteReport } from '@attnkit/conformance';

/**
 * The backend × feature table: one row per feature, one column per backend. A cell reads
 * `pass/total`, then the failures, errors and unsupported cases if any, then the worst absolute error of
 * the cases that ran, e.g. `41/41 2.3e-7` or `39/41 2 fail 1.2e-2` or `0/8 8 unsup`.
 */
export interface BackendRun {
  readonly name: string;
  /** Suites run on this backend (float32, and float16 where declared); empty when unavailable. */
  readonly reports: readonly SuiteReport[];
  /** Why the backend did not run (unavailable, or its factory failed). */
  readonly skipped?: string;
}

export interface Cell {
  pass: number;
  fail: number;
  unsupported: number;
  error: number;
  worst: number;
}

export function summarize(results: readonly CaseResult[]): Cell {
  const cell: Cell = { pass: 0, fail: 0, unsupported: 0, error: 0, worst: 0 };
  for (const r of results) {
    cell[r.status]++;
    if (r.status === 'pass' || r.status === 'fail') cell.worst = Math.max(cell.worst, r.worstAbsError);
  }
  return cell;
}

export function formatError(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return 'inf';
  return x.toExponential(1);
}

export function formatCell(cell: Cell | undefined): string {
  if (!cell) return '–';
  const total = cell.pass + cell.fail + cell.unsupported + cell.error;
  const parts = [`${cell.pass}/${total}`];
  if (cell.fail) parts.push(`${cell.fail} fail`);
  if (cell.error) parts.push(`${cell.error} err`);
  if (cell.unsupported) parts.push(`${cell.unsupported} unsup`);
  if (cell.pass + cell.fail > 0) parts.push(formatError(cell.worst));
  return parts.join(' ');
}

/** Features in the order the suite lists them, so related columns stay together. */
function featureOrder(runs: readonly BackendRun[]): string[] {
  const seen: string[] = [];
  for (const run of runs)
    for (const report of run.reports)
      for (const r of report.results) if (!seen.includes(r.feature)) seen.push(r.feature);
  return seen;
}

export function formatTable(runs: readonly BackendRun[]): string {
  const features = featureOrder(runs);
  const header = ['feature', ...runs.map((r) => r.name)];
  const rows: string[][] = features.map((feature) => [
    feature,
    ...runs.map((run) => {
      const results = run.reports.flatMap((report) => report.results.filter((r) => r.feature === feature));
      return run.skipped ? 'n/a' : formatCell(results.length ? summarize(results) : undefined);
    }),
  ]);
  rows.push([
    'total',
    ...runs.map((run) => (run.skipped ? 'n/a' : formatCell(summarize(run.reports.flatMap((r) => r.results))))),
  ]);
  const widths = header.map((_, c) => Math.max(header[c].length, ...rows.map((row) => row[c].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.slice(0, -1).map(line), rule, line(rows[rows.length - 1])].join('\n');
}

/** One line per backend, then every failing or erroring case with its message. */
export function formatSummary(runs: readonly BackendRun[], maxListed = 20): string {
  const lines: string[] = [];
  for (const run of runs) {
    if (run.skipped) {
      lines.push(`${run.name}: not run (${run.skipped})`);
      continue;
    }
    const results = run.reports.flatMap((r) => r.results);
    const c = summarize(results);
    const seconds = results.reduce((s, r) => s + r.ms, 0) / 1000;
    const precisions = run.reports.map((r) => r.precision).join(' + ');
    const verdict = c.fail + c.error === 0 ? 'OK' : 'FAILED';
    lines.push(
      `${run.name} (${precisions}): ${verdict} — ${c.pass} pass, ${c.fail} fail, ${c.error} error, ${c.unsupported} unsupported, worst error ${formatError(c.worst)}, ${seconds.toFixed(1)} s`,
    );
    const bad = results.filter((r) => r.status === 'fail' || r.status === 'error');
    for (const r of bad.slice(0, maxListed)) lines.push(`  ${r.status} ${r.id}: ${firstLine(r.message)}`);
    if (bad.length > maxListed) lines.push(`  … and ${bad.length - maxListed} more (see the JSON report)`);
  }
  return lines.join('\n');
}

function firstLine(message: string | undefined): string {
  const line = (message ?? '').split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
