import type { Ratio } from '../compare.js';
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
  '× native CPU peer',
  'tracked peak MiB',
  'RSS MiB',
  'note',
] as const;

/** A backend's ratio against one named peer: the same-substrate peer, or the native CPU peer. */
const NAMED_PEER = {
  family: (r: Ratio) => ({ peer: r.familyPeer, ratio: r.vsFamilyPeer }),
  native: (r: Ratio) => ({ peer: r.nativePeer, ratio: r.vsNativePeer }),
} as const;

/** `0.5× (peer)`, or '' where no such peer ran (reports written before a field existed lack it too). */
function againstPeer({ peer, ratio }: { peer: string | null; ratio: number | null }): string {
  return peer ? `${formatRatio(ratio)} (${peer})` : '';
}

/** One row per target of a case, as text cells (shared by the console table and the Markdown report). */
export function caseRows(report: BenchReport, c: CaseSummary): string[][] {
  const comparison = report.comparisons.find((x) => x.caseId === c.id);
  return report.targets.map((target) => {
    const r: CellResult | undefined = report.results.find((x) => x.caseId === c.id && x.target === target.name);
    const fastest = comparison?.fastest === target.name;
    const ratio = comparison?.ratios.find((x) => x.target === target.name);
    const ok = r?.status === 'ok';
    const note = !r
      ? 'not run'
      : ok
        ? comparison?.bestPeer === target.name
          ? 'best peer'
          : ''
        : `${r.status}: ${r.reason ?? ''}`;
    return [
      `${fastest ? `${FASTEST_MARK} ` : ''}${target.name}`,
      target.role,
      ok ? formatMs(r.medianMs) : '–',
      ok ? `${formatMs(r.minMs)}–${formatMs(r.maxMs)}` : '–',
      ok ? String(r.runs) : '–',
      formatMs(r?.firstCallMs),
      ok ? formatGflops(r.gflops) : '–',
      target.role === 'backend' ? formatRatio(ratio?.vsBestPeer) : '',
      ratio ? againstPeer(NAMED_PEER.family(ratio)) : '',
      ratio ? againstPeer(NAMED_PEER.native(ratio)) : '',
      ok ? formatMiB(r.trackedPeakBytes) : '–',
      r?.rssPeakBytes ? formatMiB(r.rssPeakBytes) : '–',
      note,
    ];
  });
}

/**
 * Backends × cases: each backend's median over the best peer's ('best'), over the best peer computing on
 * the same substrate ('family': the naive composition on the same tfjs backend or WebGPU device,
 * onnxruntime-web on as many threads), or over the native CPU peer ('native': onnxruntime-node). The
 * named-peer matrices keep only the cases where some backend had that peer.
 */
export function ratioMatrix(
  report: BenchReport,
  against: 'best' | keyof typeof NAMED_PEER = 'best',
): { header: string[]; rows: string[][] } {
  const backends = report.targets.filter((t) => t.role === 'backend').map((t) => t.name);
  if (against !== 'best') {
    const named = NAMED_PEER[against];
    const rows = report.cases
      .map((c) => ({ c, comparison: report.comparisons.find((x) => x.caseId === c.id) }))
      .filter(({ comparison }) => comparison?.ratios.some((r) => named(r).peer))
      .map(({ c, comparison }) => [
        c.label,
        ...backends.map((b) => {
          const ratio = comparison!.ratios.find((x) => x.target === b);
          return (ratio && againstPeer(named(ratio))) || '–';
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

/**
 * What pruned heads cost: for each case with a head mask, each target's median beside its median on the same
 * shape without one (a case of the run with the same B, heads, Sq, T, P and D, no mask, not causal). A ratio
 * near the fraction of heads kept means pruned heads are skipped; near 1, computed and multiplied by zero.
 */
export function prunedHeadRows(report: BenchReport): string[][] {
  const rows: string[][] = [];
  const same = (a: CaseSummary, b: CaseSummary) =>
    a.B === b.B && a.Hq === b.Hq && a.Hkv === b.Hkv && a.Sq === b.Sq && a.T === b.T && a.P === b.P && a.D === b.D;
  for (const c of report.cases) {
    if (!c.headMask) continue;
    const plain = report.cases.find(
      (o) => !o.headMask && !o.causal && o.mask === 'none' && o.precision === c.precision && same(o, c),
    );
    if (!plain) continue;
    const kept = c.headMask.filter((g) => g !== 0).length / c.headMask.length;
    for (const r of report.results) {
      if (r.caseId !== c.id || r.medianMs === undefined) continue;
      const base = report.results.find((o) => o.caseId === plain.id && o.target === r.target);
      if (base?.medianMs === undefined) continue;
      rows.push([
        r.target,
        c.label,
        formatMs(r.medianMs),
        formatMs(base.medianMs),
        formatRatio(r.medianMs / base.medianMs),
        formatRatio(kept),
      ]);
    }
  }
  return rows;
}
