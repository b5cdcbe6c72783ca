import type { BenchReport } from '../run.js';

/**
 * Time vs sequence length per target: the 'sequence' cases ([B,H,L,L,D], not causal), both axes log
 * scale. Hand-written SVG: a frame, grid lines at powers of ten (time) and at each length, one polyline
 * with markers per target (dashed for peers), and a legend on the right.
 */
const WIDTH = 760;
const HEIGHT = 420;
const PLOT = { left: 64, top: 36, right: 560, bottom: 370 } as const;
// One colour per target of a full run (13 in Node), so that no two series share one.
const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
  '#000000',
  '#aec7e8',
  '#98df8a',
  '#ffbb78',
];

export interface Series {
  readonly target: string;
  readonly role: 'backend' | 'peer';
  readonly points: readonly { readonly length: number; readonly ms: number }[];
}

export function chartSeries(report: BenchReport): Series[] {
  const sweep = report.cases.filter((c) => c.group === 'sequence');
  return report.targets
    .map((t) => ({
      target: t.name,
      role: t.role,
      points: sweep.flatMap((c) => {
        const r = report.results.find((x) => x.caseId === c.id && x.target === t.name && x.status === 'ok');
        return r?.medianMs ? [{ length: c.T, ms: r.medianMs }] : [];
      }),
    }))
    .filter((s) => s.points.length > 0);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function logScale(min: number, max: number, from: number, to: number): (v: number) => number {
  const a = Math.log10(min);
  const b = Math.log10(max);
  return (v) => from + ((Math.log10(v) - a) / (b - a || 1)) * (to - from);
}

export function svgChart(report: BenchReport, title = 'attention time vs sequence length (log–log)'): string {
  const series = chartSeries(report);
  const lengths = [...new Set(series.flatMap((s) => s.points.map((p) => p.length)))].sort((a, b) => a - b);
  const times = series.flatMap((s) => s.points.map((p) => p.ms));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${PLOT.left}" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  if (series.length === 0) {
    parts.push(`<text x="${PLOT.left}" y="${(PLOT.top + PLOT.bottom) / 2}">no sequence-sweep results</text>`, '</svg>');
    return parts.join('\n');
  }
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...times)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...times)));
  const xMin = lengths[0];
  const xMax = lengths.length > 1 ? lengths[lengths.length - 1] : lengths[0] * 2;
  const x = logScale(xMin, xMax, PLOT.left, PLOT.right);
  const y = logScale(yMin, yMax, PLOT.bottom, PLOT.top);
  const f = (v: number) => v.toFixed(1);

  parts.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="none" stroke="#333"/>`,
  );
  for (let v = yMin; v <= yMax * 1.0001; v *= 10) {
    parts.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#ddd"/>`);
    parts.push(`<text x="${PLOT.left - 6}" y="${f(y(v) + 4)}" text-anchor="end">${v >= 1 ? v.toFixed(0) : v}</text>`);
  }
  for (const length of lengths) {
    parts.push(`<line x1="${f(x(length))}" x2="${f(x(length))}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${f(x(length))}" y="${PLOT.bottom + 16}" text-anchor="middle">${length}</text>`);
  }
  parts.push(
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${HEIGHT - 8}" text-anchor="middle">sequence length L (Sq = T = L)</text>`,
  );
  parts.push(
    `<text transform="translate(16 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle">median ms per call</text>`,
  );

  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const dash = s.role === 'peer' ? ' stroke-dasharray="5 3"' : '';
    const points = s.points.map((p) => `${f(x(p.length))},${f(y(p.ms))}`).join(' ');
    parts.push(`<g class="series" data-target="${escapeXml(s.target)}">`);
    parts.push(`<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    for (const p of s.points) parts.push(`<circle cx="${f(x(p.length))}" cy="${f(y(p.ms))}" r="3" fill="${color}"/>`);
    parts.push('</g>');
    const ly = PLOT.top + 8 + i * 18;
    parts.push(
      `<line x1="${PLOT.right + 16}" x2="${PLOT.right + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
    );
    parts.push(
      `<text x="${PLOT.right + 46}" y="${ly + 4}">${escapeXml(s.target)}${s.role === 'peer' ? ' (peer)' : ''}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
