import type { CellResult } from '../measure.js';
import type { BenchReport, CaseSummary } from '../run.js';
import { formatGflops, formatMiB, formatMs, formatRatio } from './format.js';

export const FASTEST_MARK = '★';

export const CASE_COLUMNS = [
  'target',
  'role',
  'median ms',
  'min–max ms',
  'runs',
  'first call ms',
  'GFLOP/s',
  '× best peer',
  '× same-substrate peer',
  'tracked peak MiB',
  'RSS MiB',
  'note',
] as const;

/** One row per target of a case, as text cells (shared by the console table and the Markdown report). */
export function caseRows(report: BenchReport, c: CaseSummary): string[][] {
  const comparison = report.comparisons.find((x) => x.caseId === c.id);
  return report.targets.map((target) => {
    const r: CellResult | undefined = report.results.find((x) => x.caseId === c.id && x.target === target.name);
    const fastest = comparison?.fastest === target.name;
    const ratio = comparison?.ratios.find((x) => x.target === target.name);
    const ok = r?.status === 'ok';
    const note = !r ? 'not run' : ok ? (comparison?.bestPeer === target.name ? 'best peer' : '') : `${r.status}: ${r.reason ?? ''}`;
    return [
      `${fastest ? `${FASTEST_MARK} ` : ''}${target.name}`,
      target.role,
      ok ? formatMs(r.medianMs) : '–',
      ok ? `${formatMs(r.minMs)}–${formatMs(r.maxMs)}` : '–',
      ok ? String(r.runs) : '–',
      formatMs(r?.firstCallMs),
      ok ? formatGflops(r.gflops) : '–',
      target.role === 'backend' ? formatRatio(ratio?.vsBestPeer) : '',
      target.role === 'backend' && ratio?.familyPeer ? `${formatRatio(ratio.vsFamilyPeer)} (${ratio.familyPeer})` : '',
      ok ? formatMiB(r.trackedPeakBytes) : '–',
      r?.rssPeakBytes ? formatMiB(r.rssPeakBytes) : '–',
      note,
    ];
  });
}

/**
 * Backends × cases: each backend's median over the best peer's ('best'), or over the best peer computing on
 * the same substrate ('family': the naive composition on the same tfjs backend or WebGPU device).
 */
export function ratioMatrix(report: BenchReport, against: 'best' | 'family' = 'best'): { header: string[]; rows: string[][] } {
  const backends = report.targets.filter((t) => t.role === 'backend').map((t) => t.name);
  if (against === 'family') {
    const rows = report.cases
      .map((c) => ({ c, comparison: report.comparisons.find((x) => x.caseId === c.id) }))
      .filter(({ comparison }) => comparison?.ratios.some((r) => r.familyPeer))
      .map(({ c, comparison }) => [
        c.label,
        ...backends.map((b) => {
          const ratio = comparison!.ratios.find((x) => x.target === b);
          return ratio?.familyPeer ? `${formatRatio(ratio.vsFamilyPeer)} (${ratio.familyPeer})` : '–';
        }),
      ]);
    return { header: ['case', ...backends], rows };
  }
  const header = ['case', 'best peer (ms)', ...backends, 'fastest'];
  const rows = report.cases
    .map((c) => ({ c, comparison: report.comparisons.find((x) => x.caseId === c.id) }))
    .filter(({ comparison }) => comparison)
    .map(({ c, comparison }) => {
      const peer = report.results.find((r) => r.caseId === c.id && r.target === comparison!.bestPeer);
      return [
        c.label,
        comparison!.bestPeer ? `${comparison!.bestPeer} (${formatMs(peer?.medianMs)})` : '–',
        ...backends.map((b) => formatRatio(comparison!.ratios.find((x) => x.target === b)?.vsBestPeer)),
        comparison!.fastest ?? '–',
      ];
    });
  return { header, rows };
}
