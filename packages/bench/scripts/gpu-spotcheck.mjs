#!/usr/bin/env node
// Correctness of the benchmarked cells themselves, at sizes the conformance suite does not reach (T up to
// 16,384): the WebGPU target's y on each case of the full grid (the bench's own seeded inputs), compared on
// sampled rows with a float64 computation here. Prints one line per case; exits 1 if any case fails.
// Usage (after the bench is built): node packages/bench/scripts/gpu-spotcheck.mjs [rows per case, default 48]
//   [largest case in GFLOP, default all: a dry run on a software adapter wants 0.2]
import { swiftShaderEnv } from '@attnkit/backend-webgpu';
import { attentionFlops, FULL_GRID } from '../dist/grid.js';
import { makeInputs } from '../dist/inputs.js';
import { createWebGpuTarget, releaseWebGpu } from '../dist/targets/webgpu.js';

const ROWS = Number(process.argv[2] ?? 48);
const MAX_GFLOP = Number(process.argv[3] ?? Number.POSITIVE_INFINITY);
const TOLERANCE = 1e-4; // ‖y − ref‖ / ‖ref‖ over the sampled rows; float32 accumulation lands far under it

/** One output row [Dv] of case c in float64: row = (b·Hq + h)·Sq + i. */
function referenceRow(c, x, row) {
  const i = row % c.Sq;
  const h = Math.floor(row / c.Sq) % c.Hq;
  const b = Math.floor(row / (c.Sq * c.Hq));
  const kvh = Math.floor(h / (c.Hq / c.Hkv));
  const Skv = c.T - c.P;
  const key = (j, d, cur, past) =>
    j < c.P ? past[((b * c.Hkv + kvh) * c.P + j) * c.D + d] : cur[((b * c.Hkv + kvh) * Skv + (j - c.P)) * c.D + d];
  const q = x.q.subarray(row * c.D, (row + 1) * c.D);
  const scale = 1 / Math.sqrt(c.D);
  const visible = c.causal ? i + (c.T - c.Sq) + 1 : c.T;
  const s = new Float64Array(visible);
  let max = -Infinity;
  for (let j = 0; j < visible; j++) {
    let dot = 0;
    for (let d = 0; d < c.D; d++) dot += q[d] * key(j, d, x.k, x.pastKey);
    s[j] = dot * scale + (x.mask ? x.mask[i * c.T + j] : 0);
    if (s[j] > max) max = s[j];
  }
  let sum = 0;
  for (let j = 0; j < visible; j++) sum += s[j] = Math.exp(s[j] - max);
  const y = new Float64Array(c.D);
  for (let j = 0; j < visible; j++) for (let d = 0; d < c.D; d++) y[d] += (s[j] / sum) * key(j, d, x.v, x.pastValue);
  return y;
}

Object.assign(process.env, swiftShaderEnv()); // SwiftShader unless the environment names a Vulkan driver
const target = await createWebGpuTarget();
console.log(`webgpu runs on: ${target.runsOn}`);
let failed = 0;
try {
  for (const c of FULL_GRID) {
    if (attentionFlops(c) > MAX_GFLOP * 1e9) continue;
    const why = target.unsupported(c);
    if (why) {
      console.log(`${c.id}: unsupported (${why})`);
      continue;
    }
    const inputs = makeInputs(c);
    const cell = await target.prepare(c, inputs);
    let y;
    try {
      y = await cell.output();
    } catch (error) {
      failed++;
      console.log(`${c.id}: ERROR ${error instanceof Error ? error.message : String(error)}`);
      continue;
    } finally {
      cell.dispose();
    }
    const rows = c.B * c.Hq * c.Sq;
    const picks = new Set([0, rows - 1]);
    for (let r = 0; r < ROWS; r++) picks.add(Math.floor(((r + 0.5) / ROWS) * rows));
    let diff = 0;
    let norm = 0;
    let nonFinite = 0;
    for (const row of picks) {
      const ref = referenceRow(c, inputs, row);
      for (let d = 0; d < c.D; d++) {
        const got = y[row * c.D + d];
        if (!Number.isFinite(got)) nonFinite++;
        diff += (got - ref[d]) ** 2;
        norm += ref[d] ** 2;
      }
    }
    const rel = Math.sqrt(diff / norm);
    const ok = nonFinite === 0 && rel <= TOLERANCE && y.length === rows * c.D;
    if (!ok) failed++;
    console.log(
      `${c.id}: ${ok ? 'pass' : 'FAIL'} rel ${rel.toExponential(2)} on ${picks.size} rows${nonFinite ? `, ${nonFinite} non-finite` : ''}`,
    );
  }
} finally {
  await target.dispose();
  await releaseWebGpu();
}
console.log(failed ? `${failed} case(s) failed` : 'all cases pass');
process.exit(failed ? 1 : 0);
