#!/usr/bin/env node
/**
 * The autotuner against the variants it chooses from, on every perf-tagged bench cell (conformance's perf cases,
 * the grids of packages/bench/src/grid.ts), per software adapter here: SwiftShader and lavapipe, each in a child
 * process of its own (Dawn reads VK_ICD_FILENAMES once per process). Per cell the child
 *   1. tunes the cell's shape class with `backend.tune()` (wall time around submit + onSubmittedWorkDone),
 *   2. times, interleaved over ROUNDS rounds after a warm-up round, the heuristic choice (a backend without
 *      cache), every candidate the tuner considered forced by hand (`tuning: { attention }`) and the tuned
 *      choice (a backend given the tuning cache), all on one device, each call with the cell's inputs (uploaded
 *      once per backend), options and precision, timed from submit until the queue is done,
 * and the parent writes packages/bench/results/webgpu-tuner.{md,json} with the date, os.loadavg() and the
 * adapters. A cell whose heuristic call takes more than --call-limit-ms (default 1,000) after a warm-up is left
 * out with its time: it costs about (candidates + 2) × (rounds + 1) calls plus the tuning's, minutes per cell on
 * a software adapter; so is float16 where the adapter has no shader-f16. A cell in both grids is timed once.
 * Needs `pnpm build`.
 *
 * The ratios compare variants, not rows: every row that ran the same variant (the heuristic's is also candidate 0,
 * and the tuned choice is one of the candidates) is the same kernel on the same inputs, so its samples are pooled
 * before the median. Tuned and best forced being one variant is then a ratio of exactly 1, as it is; the two
 * separate timings of the heuristic's variant stay in the table as the row's noise.
 *
 *   node scripts/tuner-table.mjs [--grid quick|full|both] [--rounds 3] [--call-limit-ms 1000]   (pnpm tuner-table)
 *   node scripts/tuner-table.mjs --from packages/bench/results/webgpu-tuner.json   (render a recorded run again)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ADAPTERS = [
  { name: 'SwiftShader', icd: '/usr/lib/chromium/vk_swiftshader_icd.json' },
  { name: 'lavapipe', icd: '/usr/share/vulkan/icd.d/lvp_icd.json' },
];
const TUNE = { runs: 3, budgetMs: 60_000 };
const OUT = fileURLToPath(new URL('../../bench/results/webgpu-tuner', import.meta.url));

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    grid: { type: 'string', default: 'both' },
    rounds: { type: 'string', default: '3' },
    'call-limit-ms': { type: 'string', default: '1000' },
    from: { type: 'string' },
  },
});
if (values.child) await child(values.child, values.grid, Number(values.rounds), Number(values['call-limit-ms']));
else if (values.from) render(JSON.parse(readFileSync(values.from, 'utf8')));
else parent();

/** The grid's perf cases, a case in several grids once (with every grid named). */
function cellsOf(listPerfCases, grid) {
  const grids = grid === 'both' ? ['quick', 'full'] : [grid];
  const byId = new Map();
  for (const g of grids) {
    for (const c of listPerfCases(g)) {
      const seen = byId.get(c.id);
      byId.set(c.id, seen ? { ...seen, grid: `${seen.grid}, ${g}` } : { ...c, grid: g });
    }
  }
  return [...byId.values()];
}

async function child(adapterName, grid, rounds, callLimitMs) {
  const { listPerfCases, generateCall } = await import('@attnkit/conformance');
  const { attention, createDevice } = await import('@attnkit/core');
  const { createBackend } = await import('../dist/index.js');
  const now = () => performance.now();
  // Autotune off everywhere: only tune() times anything, and the heuristic backend stays heuristic on a GPU too.
  const base = await createBackend({ autotune: false });
  const heuristic = await createBackend({ device: base.device, autotune: false });
  const f16 = base.capabilities.precisions.includes('float16');
  const cells = [];
  for (const c of cellsOf(listPerfCases, grid)) {
    const s = c.spec;
    const T = s.Skv + (s.P ?? 0);
    // Causal, masked and windowed calls are shape classes of their own: tune the class the call will look up
    // (tune() resolves it; its result's shape is what the tuned backend is asked about).
    const o = s.options ?? {};
    const shape = {
      B: s.B,
      Hq: s.Hq,
      Sq: s.Sq,
      T,
      D: s.D,
      Dv: s.Dv ?? s.D,
      ...(o.isCausal && { isCausal: true }),
      ...(s.mask && { mask: s.mask.kind }),
      ...(o.window && { window: o.window }),
    };
    const gflop = (4 * shape.B * shape.Hq * shape.Sq * T * shape.D) / 1e9 / (o.isCausal ? 2 : 1);
    const cell = { id: c.id, grid: c.grid, shape, precision: c.precision, gflop };
    const { inputs, options } = generateCall(s, c.seed, c.precision);
    let skip = c.precision === 'float16' && !f16 ? 'no shader-f16 on this adapter' : null;
    if (!skip) {
      // Warm-up (compiles), then one timed call; under 2 GFLOP/s here, so past ~4 GFLOP it is skipped untried.
      if (gflop > 4) skip = `${gflop.toFixed(1)} GFLOP per call: tens of seconds per call on a software adapter`;
      else {
        await attention(heuristic, inputs, options);
        const t0 = now();
        await attention(heuristic, inputs, options);
        const callMs = now() - t0;
        if (callMs > callLimitMs)
          skip = `${(callMs / 1000).toFixed(1)} s per call (> ${callLimitMs} ms): ~${Math.round((14 * (rounds + 1) * 2 * callMs) / 60_000)} min for the cell`;
      }
    }
    if (skip) {
      cells.push({ ...cell, skipped: skip });
      console.error(`${adapterName} ${c.id}: skipped (${skip})`);
      continue;
    }
    const started = now();
    const [tuned] = await base.tune([shape], { ...TUNE, force: true });
    const tuneMs = now() - started;
    const forced = tuned.measurements.filter((m) => m.medianMs !== null);
    const variants = [
      { name: 'heuristic', backend: heuristic },
      ...(await Promise.all(
        forced.map(async (m, i) => ({
          name: `candidate ${i}`,
          tuning: m.tuning,
          tunerMs: m.medianMs,
          backend: await createBackend({ device: base.device, autotune: false, tuning: { attention: m.tuning } }),
        })),
      )),
      {
        name: 'tuned',
        backend: await createBackend({ device: base.device, autotune: false, tuningCache: base.tuningCache() }),
      },
    ];
    const times = variants.map(() => []);
    const calls = variants.map((v) => deviceCall(createDevice, v.backend, inputs, options));
    for (let round = -1; round < rounds; round++) {
      for (const [i, call] of calls.entries()) {
        const ms = await call.time();
        if (round >= 0) times[i].push(ms);
      }
    }
    for (const call of calls) call.release();
    const rows = variants.map((v, i) => ({
      name: v.name,
      tuning: v.tuning ?? v.backend.attentionTuning(tuned.shape),
      tunerMs: v.tunerMs ?? null,
      medianMs: median(times[i]),
      times: times[i],
    }));
    for (const v of variants) if (v.backend !== heuristic) v.backend.dispose();
    const done = {
      ...cell,
      shapeClass: tuned.shapeClass,
      tuneMs,
      failed: tuned.measurements.filter((m) => m.medianMs === null).map((m) => ({ tuning: m.tuning, why: m.failed })),
      rows,
    };
    cells.push(done);
    console.error(`${adapterName} ${c.id}: ${rows.map((r) => `${r.name} ${r.medianMs.toFixed(1)}`).join(', ')}`);
  }
  const result = { adapter: adapterName, runsOn: base.runsOn.description, callLimitMs, cells };
  heuristic.dispose();
  base.dispose();
  writeFileSync(process.env.TUNER_TABLE_OUT, JSON.stringify(result));
  process.exit(0);
}

function parent() {
  const started = new Date();
  const loadBefore = os.loadavg();
  const adapters = [];
  for (const { name, icd } of ADAPTERS) {
    if (!existsSync(icd)) {
      adapters.push({ adapter: name, skipped: `no ${icd}` });
      continue;
    }
    const out = `${os.tmpdir()}/tuner-table-${process.pid}-${name}.json`;
    const run = spawnSync(
      process.execPath,
      [
        fileURLToPath(import.meta.url),
        '--child',
        name,
        '--grid',
        values.grid,
        '--rounds',
        values.rounds,
        '--call-limit-ms',
        values['call-limit-ms'],
      ],
      { env: { ...process.env, VK_ICD_FILENAMES: icd, TUNER_TABLE_OUT: out }, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    adapters.push(
      run.status === 0 && existsSync(out)
        ? JSON.parse(readFileSync(out, 'utf8'))
        : { adapter: name, skipped: `the child failed (status ${run.status}, ${run.signal ?? 'no signal'})` },
    );
  }
  const report = {
    date: started.toISOString(),
    minutes: (Date.now() - started.getTime()) / 60_000,
    loadavg: { before: loadBefore, after: os.loadavg() },
    cpus: os.cpus().length,
    grid: values.grid,
    rounds: Number(values.rounds),
    callLimitMs: Number(values['call-limit-ms']),
    adapters,
  };
  render(report);
}

function render(report) {
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(`${OUT}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${OUT}.md`, markdown(report));
  console.log(`wrote ${OUT}.md and ${OUT}.json`);
}

function markdown(r) {
  const variant = (t) =>
    `${t.strategy} wg${t.workgroupSize} kb${t.keyBlock}${t.strategy === 'shared' ? '' : ` r${t.rowsPerInvocation}`}${t.vec4 ? '' : ' scalar'}${t.splitKeys ? ` split${t.splitKeys}` : ''}`;
  const ms = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const load = (l) => l.map((x) => x.toFixed(2)).join(' / ');
  const lines = [
    '# WebGPU autotuner: tuned choice vs. every candidate forced by hand vs. the heuristic',
    '',
    `Written by \`pnpm --filter @attnkit/backend-webgpu tuner-table\` (scripts/tuner-table.mjs) on ${r.date}, ` +
      `${r.cpus} CPUs, load average (1/5/15 min) ${load(r.loadavg.before)} before and ${load(r.loadavg.after)} after; ` +
      `${r.minutes.toFixed(1)} minutes. Per cell: \`backend.tune()\` picks from the candidates, then the heuristic ` +
      `choice, each candidate forced by hand and the tuned choice are timed interleaved (${r.rounds} rounds after a ` +
      'warm-up, median, inputs on the device: submit until the queue is done, as the tuner times). Software adapters on shared cores: ±50% in absolute ' +
      'terms; compare within a row. Times are per variant: rows that ran the same variant (the heuristic is also ' +
      'candidate 0; the tuned choice is one of the candidates) are one kernel on the same inputs, and their samples ' +
      "are pooled; 'same' marks a tuned choice that is the best forced or the heuristic variant itself. Pass: tuned " +
      '≤ 1.10 × best forced and ≤ 1.10 × heuristic. Noise: the heuristic variant timed twice (as itself and as ' +
      "candidate 0, before pooling), the row's own measure of how far 10% can be trusted. " +
      'Cells whose heuristic ' +
      `call takes over ${r.callLimitMs} ms here are left out with their time (\`--call-limit-ms\` raises the limit).`,
    '',
  ];
  for (const a of r.adapters) {
    lines.push(`## ${a.adapter}`, '');
    if (a.skipped) {
      lines.push(`Skipped: ${a.skipped}.`, '');
      continue;
    }
    lines.push(`${a.runsOn}`, '');
    lines.push(
      '| cell | grid | heuristic | best forced | tuned | tuned / best | tuned / heuristic | noise | candidates | tune time | pass |',
    );
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
    const notes = [];
    for (const c of a.cells) {
      if (c.skipped) {
        lines.push(`| ${c.id} | ${c.grid} | – | – | – | – | – | – | – | – | left out: ${c.skipped} |`);
        continue;
      }
      const pooled = new Map();
      for (const row of c.rows)
        pooled.set(variant(row.tuning), [...(pooled.get(variant(row.tuning)) ?? []), ...row.times]);
      const timeOf = (row) => median(pooled.get(variant(row.tuning)));
      const heuristic = c.rows[0];
      const tuned = c.rows.at(-1);
      const forced = c.rows.slice(1, -1);
      const best = forced.reduce((a, b) => (timeOf(b) < timeOf(a) ? b : a));
      const ratio = (other) =>
        variant(tuned.tuning) === variant(other.tuning) ? '1 (same)' : (timeOf(tuned) / timeOf(other)).toFixed(2);
      const vsBest = timeOf(tuned) / timeOf(best);
      const vsHeuristic = timeOf(tuned) / timeOf(heuristic);
      const pass = vsBest <= 1.1 && vsHeuristic <= 1.1;
      // Candidate 0 is the heuristic's own variant: its two separate timings show the noise of the cell.
      const twice = [heuristic.medianMs, forced[0].medianMs];
      const noise = Math.max(...twice) / Math.min(...twice) - 1;
      lines.push(
        `| ${c.id} | ${c.grid} | ${ms(timeOf(heuristic))} ms (${variant(heuristic.tuning)}) | ${ms(timeOf(best))} ms ` +
          `(${variant(best.tuning)}) | ${ms(timeOf(tuned))} ms (${variant(tuned.tuning)}) | ${ratio(best)} | ` +
          `${ratio(heuristic)} | ±${(100 * noise).toFixed(0)}% | ${forced.length}${c.failed.length ? ` (+${c.failed.length} failed)` : ''} | ` +
          `${(c.tuneMs / 1000).toFixed(1)} s | ${pass ? 'yes' : 'no'} |`,
      );
      for (const f of c.failed) notes.push(`- ${c.id}: ${variant(f.tuning)} not timed: ${f.why}`);
    }
    lines.push('', ...notes, ...(notes.length ? [''] : []));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * One cell's call on a backend, inputs uploaded once: `time()` is the attention kernels' queued work until the
 * queue is done (what the tuner times too), without the upload and read-back that would dilute the differences.
 */
function deviceCall(createDevice, backend, inputs, options) {
  const device = createDevice(backend);
  const on = Object.fromEntries(
    Object.entries(inputs).map(([k, t]) => [k, device.upload(t.data ?? t, t.shape ?? [t.length])]),
  );
  return {
    async time() {
      const t0 = performance.now();
      const out = device.attention(on, options);
      await backend.device.queue.onSubmittedWorkDone();
      const ms = performance.now() - t0;
      device.dispose(...Object.values(out));
      return ms;
    },
    release: () => device.dispose(...Object.values(on)),
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
