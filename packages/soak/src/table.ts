import { BOUNDS } from './bounds.js';
import type { SoakRun } from './run.js';
import { formatBytes, type SoakResult, seconds } from './soak.js';

const HEADER = [
  'backend',
  'calls',
  'decode steps',
  'peak held',
  'final held (Δ baseline)',
  'live tensors',
  'kernels: peak live (compiled in decodes)',
  'RSS Δ',
  'wall',
  'result',
];

/** One row per backend, as a Markdown table (it reads as plain text in a terminal too). */
export function formatTable(runs: readonly SoakRun[]): string {
  const rows = runs.map((run) => ('skipped' in run.result ? skippedRow(run.name) : row(run.result)));
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(HEADER), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function row(r: SoakResult): string[] {
  const delta = r.final.heldBytes - r.baseline.heldBytes;
  const kernels = r.peakKernelsLive === null ? 'n/a' : `${r.peakKernelsLive} (${r.kernelsCompiledInDecodes ?? 'n/a'})`;
  const wall = Object.values(r.ms).reduce((a, b) => a + b, 0);
  return [
    r.backend,
    String(r.calls),
    `2 × ${r.steps}`,
    formatBytes(r.peakHeldBytes),
    `${formatBytes(r.final.heldBytes)} (${delta >= 0 ? '+' : ''}${formatBytes(delta)})`,
    String(r.final.liveTensors),
    kernels,
    formatBytes(r.rssGrowthBytes),
    seconds(wall),
    r.breaches.length === 0 ? 'pass' : `FAIL (${r.breaches.length})`,
  ];
}

function skippedRow(name: string): string[] {
  return [name, '–', '–', '–', '–', '–', '–', '–', '–', 'skipped'];
}

/** Under the table: what each figure counts on each backend, the extra figures, and every bound broken. */
export function formatNotes(runs: readonly SoakRun[]): string {
  const lines: string[] = [];
  for (const run of runs) {
    if ('skipped' in run.result) {
      lines.push(`- ${run.name}: ${run.result.skipped}`);
      continue;
    }
    const r = run.result;
    const extras = Object.keys(r.final.extra)
      .map((k) => `${k} ${figure(k, r.baseline.extra[k])} → ${figure(k, r.final.extra[k])}`)
      .join(', ');
    const w = r.ms;
    lines.push(
      `- ${r.backend} (${r.runsOn}): held = ${r.probe.held}; kernels = ${r.probe.kernels}. ` +
        `${r.rejected} calls refused by core as they must be. Warm-up ${seconds(w.warmup)}, mix ${seconds(w.mix)}, ` +
        `greedy ${seconds(w.greedy)}, beam ${seconds(w.beam)}, cache growth ${seconds(w.growth)}. Peak RSS ${formatBytes(r.peakRssBytes)}` +
        `${extras ? `; ${extras}` : ''}.`,
    );
    const phases = r.phases
      .map((p) => `${p.phase} ${formatBytes(p.heldBytes)} / ${formatBytes(p.rssBytes - r.rssBaselineBytes)}`)
      .join(', ');
    lines.push(`  - held / RSS Δ after each phase: ${phases}; CPU time ${seconds(r.cpuMs)}.`);
    for (const breach of r.breaches) lines.push(`  - **bound broken** (${breach.bound}): ${breach.message}`);
  }
  return lines.join('\n');
}

function figure(key: string, value: number | undefined): string {
  if (value === undefined) return '?';
  return key.endsWith('Bytes') ? formatBytes(value) : String(value);
}

/** The bounds, for the report. */
export function formatBounds(): string {
  return [
    `live tensors at the end ≤ ${BOUNDS.liveTensors}`,
    `bytes in use back to the baseline (growth ≤ ${BOUNDS.inUseGrowthBytes})`,
    `bytes held (in use + kept for reuse) ≤ baseline + ${formatBytes(BOUNDS.retainedBytes)}, and kept for reuse ≤ ${formatBytes(BOUNDS.retainedBytes)}`,
    `kernels/pipelines held ≤ ${BOUNDS.kernelsLive}`,
    `kernels/pipelines compiled during the decodes and the cache growth ≤ ${BOUNDS.kernelsCompiledInDecodes}`,
    `RSS growth after warm-up ≤ ${formatBytes(BOUNDS.rssGrowthBytes)}`,
  ].join('; ');
}
