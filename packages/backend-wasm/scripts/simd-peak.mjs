#!/usr/bin/env node
/**
 * What fraction of this machine's SIMD peak the attention kernel reaches. The peak is measured, not
 * assumed: the module's own plain matmul (csrc/matmul.c, a 4 × 8 f32x4 register block, no attention
 * logic) at 1024³ is the reference rate; attention GFLOP/s count 4·B·H·Sq·T·D (two matmuls), halved for
 * causal. Medians of 15 calls after 3 warm-ups, at 1 thread and every core, both SIMD builds where they
 * validate (run Node with --experimental-wasm-relaxed-simd for the relaxed one). Run it on an idle machine.
 *
 *   node scripts/simd-peak.mjs [--lengths 1024,2048]
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createDevice } from '@attnkit/core';
import { createBackend } from '../dist/index.js';
import { validates } from '../dist/runtime/module.js';

const { values } = parseArgs({ options: { lengths: { type: 'string' } } });
const lengths = (values.lengths ?? '1024,2048').split(',').map(Number);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function time(run) {
  for (let i = 0; i < 3; i++) run();
  const samples = [];
  for (let i = 0; i < 15; i++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log('| build | threads | what | ms | GFLOP/s | of peak |\n|---|---|---|---|---|---|');
for (const simd of ['simd128', 'relaxed']) {
  if (!(await validates(simd, 'shared'))) continue;
  for (const threads of [...new Set([1, availableParallelism()])]) {
    const backend = await createBackend({ threads, simd });
    const device = createDevice(backend);
    const n = 1024;
    const a = device.upload(
      Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5),
      [n, n],
    );
    const ms = time(() => device.dispose(device.matmul(a, a)));
    const peak = (2 * n ** 3) / ms / 1e6;
    console.log(`| ${simd} | ${threads} | matmul 1024³ (the peak) | ${ms.toFixed(1)} | ${peak.toFixed(1)} | 100% |`);
    for (const L of lengths) {
      const q = device.upload(
        Float32Array.from({ length: 8 * L * 64 }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5),
        [1, 8, L, 64],
      );
      for (const isCausal of [false, true]) {
        const t = time(() => device.dispose(device.attention({ q, k: q, v: q }, { isCausal }).y));
        const gflops = (4 * 8 * L * L * 64 * (isCausal ? 0.5 : 1)) / t / 1e6;
        console.log(
          `| ${simd} | ${threads} | attention [1,8,${L},${L},64]${isCausal ? ' causal' : ''} | ${t.toFixed(1)} | ${gflops.toFixed(1)} | ${((100 * gflops) / peak).toFixed(0)}% |`,
        );
      }
      device.dispose(q);
    }
    device.dispose(a);
    backend.dispose();
  }
}
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
