import { describe, expect, it } from 'vitest';
import { compareAll } from '../src/compare.js';
import { attentionFlops, benchCase, describeCase } from '../src/grid.js';
import type { CellResult } from '../src/measure.js';
import { markdownReport, markdownTable } from '../src/report/markdown.js';
import { caseRows, FASTEST_MARK, prunedHeadRows, ratioMatrix } from '../src/report/rows.js';
import { chartSeries, svgChart } from '../src/report/svg.js';
import type { BenchReport, TargetSummary } from '../src/run.js';

const targets: TargetSummary[] = [
  { name: 'webgpu', label: 'attnkit webgpu', role: 'backend', family: 'webgpu', runsOn: 'SwiftShader' },
  { name: 'tfjs-wasm', label: 'attnkit tfjs-wasm', role: 'backend', family: 'tfjs-wasm', runsOn: 'tfjs wasm' },
  { name: 'ort', label: 'onnxruntime', role: 'peer', family: 'tfjs-wasm', runsOn: 'onnxruntime-node, 2 threads' },
  {
    name: 'onnxruntime-cpu',
    label: 'onnxruntime-node',
    role: 'peer',
    family: 'native-cpu',
    runsOn: 'onnxruntime-node, 2 threads',
    threads: 2,
  },
];
const cases = [128, 512, 2048].map((L) => benchCase({ group: 'sequence', Sq: L, T: L }));
cases.push(benchCase({ group: 'causal', Sq: 512, T: 512, causal: true }));
const ok = (target: string, caseId: string, medianMs: number): CellResult => ({
  target,
  caseId,
  status: 'ok',
  medianMs,
  minMs: medianMs * 0.9,
  maxMs: medianMs * 1.2,
  runs: 5,
  firstCallMs: medianMs * 3,
  gflops: 1,
  trackedPeakBytes: 2 ** 20,
  rssPeakBytes: 200 * 2 ** 20,
});
const results: CellResult[] = [
  ok('webgpu', cases[0].id, 4),
  ok('tfjs-wasm', cases[0].id, 20),
  ok('ort', cases[0].id, 2),
  ok('onnxruntime-cpu', cases[0].id, 8),
  ok('webgpu', cases[1].id, 30),
  ok('tfjs-wasm', cases[1].id, 100),
  ok('ort', cases[1].id, 40),
  ok('onnxruntime-cpu', cases[1].id, 50),
  ok('webgpu', cases[2].id, 400),
  { target: 'tfjs-wasm', caseId: cases[2].id, status: 'skipped', reason: 'estimated 30.0 s > 20 s per cell' },
  ok('ort', cases[2].id, 300),
];

const report: BenchReport = {
  schema: 'attnkit-bench-v1',
  startedAt: '2026-11-23T23:00:00.000Z',
  finishedAt: '2026-11-23T23:10:00.000Z',
  command: 'node packages/bench/dist/cli.js',
  policy: { runs: 5, maxSecondsPerCell: 20, maxMemoryBytes: 3 * 2 ** 30 },
  machine: {
    cpus: 2,
    cpuModel: 'Test CPU',
    totalMemoryGiB: 24,
    platform: 'Linux',
    node: 'v20.20.0',
    gpuDevices: [],
    load: [1, 1, 1],
  },
  flopsFormula: 'GFLOP/s = 4·B·Hq·Sq·T·D / median time',
  targets,
  unavailable: [{ name: 'gpujs-webgl', role: 'backend', reason: 'no X display (run under xvfb-run -a)' }],
  cases: cases.map((c) => ({ ...c, label: describeCase(c), flops: attentionFlops(c) })),
  results,
  comparisons: compareAll(
    cases.slice(0, 3).map((c) => c.id),
    results,
    targets,
  ),
  maxRssBytes: 300 * 2 ** 20,
};

describe('case rows', () => {
  it('mark the fastest target and give backends their ratio to the best peer', () => {
    const rows = caseRows(report, report.cases[1]);
    expect(rows.map((r) => r[0])).toEqual([`${FASTEST_MARK} webgpu`, 'tfjs-wasm', 'ort', 'onnxruntime-cpu']);
    expect(rows[0][7]).toBe('0.75×');
    expect(rows[0][8]).toBe(''); // no webgpu peer ran
    expect(rows[0][9]).toBe('0.60× (onnxruntime-cpu)');
    expect(rows[1][7]).toBe('2.5×');
    expect(rows[1][8]).toBe('2.5× (ort)');
    expect(rows[1][9]).toBe('2.0× (onnxruntime-cpu)');
    expect(rows[2][7]).toBe('');
    expect(rows[2][9]).toBe('');
    expect(rows[3][12]).toBe('');
  });

  it('show why a cell did not run', () => {
    const rows = caseRows(report, report.cases[2]);
    expect(rows[1][2]).toBe('–');
    expect(rows[1][12]).toBe('skipped: estimated 30.0 s > 20 s per cell');
    expect(rows[2][0]).toBe(`${FASTEST_MARK} ort`);
    expect(rows[0][9]).toBe(''); // onnxruntime-cpu did not run this case
  });

  it('ratio matrix: one row per compared case, one column per backend', () => {
    const m = ratioMatrix(report);
    expect(m.header).toEqual(['case', 'best peer (ms)', 'webgpu', 'tfjs-wasm', 'fastest']);
    expect(m.rows).toHaveLength(3);
    expect(m.rows[0]).toEqual(['[1,8,128,128,64]', 'ort (2.00)', '2.0×', '10×', 'ort']);
    expect(m.rows[2][3]).toBe('–');
  });

  it('same-substrate matrix: only cases where some backend had a peer of its family', () => {
    const m = ratioMatrix(report, 'family');
    expect(m.header).toEqual(['case', 'webgpu', 'tfjs-wasm']);
    expect(m.rows[0]).toEqual(['[1,8,128,128,64]', '–', '10× (ort)']);
    expect(m.rows).toHaveLength(2);
  });

  it('native matrix: only cases where the native CPU peer ran', () => {
    const m = ratioMatrix(report, 'native');
    expect(m.header).toEqual(['case', 'webgpu', 'tfjs-wasm']);
    expect(m.rows).toEqual([
      ['[1,8,128,128,64]', '0.50× (onnxruntime-cpu)', '2.5× (onnxruntime-cpu)'],
      ['[1,8,512,512,64]', '0.60× (onnxruntime-cpu)', '2.0× (onnxruntime-cpu)'],
    ]);
  });
});

describe('markdown', () => {
  it('escapes pipes and keeps one column count per line', () => {
    const table = markdownTable(['a', 'b'], [['x|y', 'z']]).split('\n');
    expect(table).toEqual(['| a | b |', '|---|---|', '| x\\|y | z |']);
  });

  it('puts appendices after the notes, one heading level down, before the per-case tables', () => {
    const md = markdownReport(report, { notes: 'A note.', appendices: ['# Tuner\n\n## lavapipe\n\n| a |\n|---|'] });
    const at = (text: string) => md.indexOf(text);
    expect(at('\n## Tuner\n')).toBeGreaterThan(at('A note.'));
    expect(at('\n### lavapipe\n')).toBeGreaterThan(at('\n## Tuner\n'));
    expect(at('\n## Results per case')).toBeGreaterThan(at('\n### lavapipe\n'));
  });

  it('has the machine, the command, the method, the ratio matrix and one table per case run', () => {
    const md = markdownReport(report, { chart: 'bench.svg' });
    expect(md).toMatch(/^# attnkit perf matrix\n/);
    expect(md).toContain('```sh\nnode packages/bench/dist/cli.js\n```');
    for (const heading of [
      '## Machine',
      '## Method',
      '## Backend ÷ best peer',
      '## Backend ÷ native CPU peer',
      '## Time vs sequence length',
      '## Results per case',
    ]) {
      expect(md).toContain(`\n${heading}\n`);
    }
    expect(md).toContain('2 CPU cores (Test CPU)');
    // The machine line names the devices and leaves what each target ran on to its "runs on" (GPU or software).
    expect(md).toMatch(/- GPU devices: [^\n]*; what each GPU target really ran on [^\n]* is its "runs on" below\n/);
    expect(md).not.toContain('every GPU API runs on a software implementation');
    expect(md).toContain('| gpujs-webgl | backend | unavailable: no X display (run under xvfb-run -a) |');
    expect(md).toContain('![time vs sequence length](bench.svg)');
    const caseHeadings = md.split('\n').filter((l) => l.startsWith('### '));
    expect(caseHeadings).toEqual(['### [1,8,128,128,64]', '### [1,8,512,512,64]', '### [1,8,2048,2048,64]']);
    for (const line of md.split('\n').filter((l) => l.startsWith('| ') && l.includes('median ms'))) {
      expect(line.split(' | ')).toHaveLength(13);
    }
  });
});

describe('svg chart', () => {
  it('plots the sequence sweep per target, skipping cells that did not run', () => {
    const series = chartSeries(report);
    expect(series.map((s) => [s.target, s.points.map((p) => p.length)])).toEqual([
      ['webgpu', [128, 512, 2048]],
      ['tfjs-wasm', [128, 512]],
      ['ort', [128, 512, 2048]],
      ['onnxruntime-cpu', [128, 512]],
    ]);
  });

  it('is one svg element with a polyline per series, dashed peers and log-scaled y', () => {
    const svg = svgChart(report);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(4); // each peer's line and its legend entry
    // Decades of the y axis are equally spaced (log scale): 1, 10, 100, 1000 ms.
    const ticks = [...svg.matchAll(/<line x1="64" x2="560" y1="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ticks).toHaveLength(4);
    const gaps = ticks.slice(1).map((t, i) => ticks[i] - t);
    for (const gap of gaps) expect(gap).toBeCloseTo(gaps[0], 0);
    const webgpu = svg
      .match(/data-target="webgpu">\n<polyline points="([^"]+)"/)![1]
      .split(' ')
      .map((p) => p.split(',').map(Number));
    expect(webgpu[0][1]).toBeGreaterThan(webgpu[2][1]); // slower is higher up
  });

  it('says so when there is nothing to plot', () => {
    expect(svgChart({ ...report, results: [] })).toContain('no sequence-sweep results');
  });
});

describe('what pruned heads cost', () => {
  it("sets each backend's head-mask time beside its time on the same shape without a mask", () => {
    const plain = benchCase({ group: 'sequence', Sq: 512, T: 512 });
    const pruned = benchCase({ group: 'head-mask', Sq: 512, T: 512, headMask: [1, 0, 1, 0, 1, 0, 1, 0] });
    const causal = benchCase({ group: 'causal', Sq: 512, T: 512, causal: true });
    const summary = (c: typeof plain) => ({ ...c, label: describeCase(c), flops: attentionFlops(c) });
    const withPruned: BenchReport = {
      ...report,
      cases: [summary(causal), summary(plain), summary(pruned)],
      results: [ok('webgpu', causal.id, 5), ok('webgpu', plain.id, 30), ok('webgpu', pruned.id, 16)],
    };
    expect(describeCase(pruned)).toBe('[1,8,512,512,64] 4 of 8 heads pruned');
    expect(prunedHeadRows(withPruned)).toEqual([
      ['webgpu', '[1,8,512,512,64] 4 of 8 heads pruned', '16.0', '30.0', '0.53×', '0.50×'],
    ]);
    expect(markdownReport(withPruned)).toContain('## What pruned heads cost');
    expect(prunedHeadRows(report)).toEqual([]);
  });
});
