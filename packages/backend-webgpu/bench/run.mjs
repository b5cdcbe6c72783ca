#!/usr/bin/env node
/**
 * Attention benchmark on one GPUDevice, all implementations in the same run, rounds interleaved so that
 * machine load hits them alike:
 *   attnkit   this package's streaming kernel (variants chosen for the adapter)
 *   3-pass    bench/three-pass.mjs: scores, softmax, weighted sum with a full score buffer
 *   tfjs      @tensorflow/tfjs-backend-webgpu on the same device: softmax(q·kᵀ·scale)·v
 * Each timing is one call plus reading y back (median of --rounds, after one warm-up).
 *
 *   pnpm --filter @attnkit/backend-webgpu build && pnpm --filter @attnkit/backend-webgpu bench [--rounds 5]
 *     [--shapes 1,8,512,64;4,12,256,64] [--no-tfjs] [--long]   (--long also runs [1,8,16384,64] in full)
 *     [--variants]   times the kernel variants at [1,8,256,64] first (the measurements behind src/tuner.ts)
 */
import { createDevice } from '@attnkit/core';
import { globals } from 'webgpu';
import { createBackend } from '../dist/index.js';
import { tfjsOnDevice } from './tfjs-webgpu.mjs';
import { ThreePass } from './three-pass.mjs';

Object.assign(globalThis, globals); // tfjs reads GPUBufferUsage and friends from the global scope

const PERF_MATRIX = [
  [1, 8, 128, 64],
  [1, 8, 512, 64],
  [1, 8, 1024, 64],
  [4, 12, 256, 64],
];
const LONG = [1, 8, 16384, 64];

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const rounds = Number(value('--rounds', 5));
const shapes =
  value('--shapes', null)
    ?.split(';')
    .map((s) => s.split(',').map(Number)) ?? PERF_MATRIX;

function random(n, seed) {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const maxDiff = (a, b) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

const backend = await createBackend();
const device = backend.device;
const limit = Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize);
console.log(`adapter: ${backend.runsOn.description}`);
console.log(
  `tuning at Sq ≥ 64, D = 64: ${JSON.stringify(backend.attentionTuning({ B: 1, Hq: 8, Sq: 512, T: 512, D: 64, Dv: 64 }))}, buffer limit ${limit} bytes\n`,
);
const threePass = new ThreePass(device);
const tfjs = flag('--no-tfjs') ? null : await tfjsOnDevice(device, {});

/** Ours: upload once, then each run is attention + read(y); also measures the pool's extra bytes. */
function prepareOurs(B, H, S, D, data) {
  const d = createDevice(backend);
  const [q, k, v] = data.map((x) => d.upload(x, [B, H, S, D]));
  let extra = 0;
  const run = async () => {
    const before = backend.memoryStats().bytesInUse;
    backend.resetPeak();
    const { y } = d.attention({ q, k, v });
    const output = y.shape.reduce((a, b) => a * b, 1) * 4;
    const out = await d.read(y);
    extra = backend.memoryStats().peakBytes - before - output;
    d.dispose(y);
    return out;
  };
  return { run, release: () => d.dispose(q, k, v), extra: () => extra };
}

async function naiveFits(name, bytes) {
  if (bytes <= limit) return null;
  return `${name}: needs a ${(bytes / 2 ** 30).toFixed(2)} GiB score buffer, over the device's ${(limit / 2 ** 30).toFixed(2)} GiB buffer limit`;
}

/** Every attention variant on the same inputs, rounds interleaved; the heuristics in src/tuner.ts come from this. */
async function timeVariants([B, H, S, D]) {
  const candidates = [
    { strategy: 'registers', rowsPerInvocation: 1, keyBlock: 16 },
    { strategy: 'registers', rowsPerInvocation: 2, keyBlock: 16 },
    { strategy: 'registers', rowsPerInvocation: 4, keyBlock: 16 },
    { strategy: 'registers', rowsPerInvocation: 2, keyBlock: 8 },
    { strategy: 'registers', rowsPerInvocation: 2, keyBlock: 16, vec4: false },
    { strategy: 'shared', keyBlock: 32, workgroupSize: 64 },
    { strategy: 'shared', keyBlock: 16, workgroupSize: 32 },
  ];
  const data = [1, 2, 3].map((seed) => random(B * H * S * D, seed));
  const runs = [];
  for (const attention of candidates) {
    const b = await createBackend({ device, tuning: { attention } });
    const d = createDevice(b);
    runs.push({ attention, d, inputs: data.map((x) => d.upload(x, [B, H, S, D])), times: [] });
  }
  for (let round = 0; round <= rounds; round++) {
    for (const run of runs) {
      const [q, k, v] = run.inputs;
      const started = performance.now();
      const { y } = run.d.attention({ q, k, v });
      await run.d.read(y);
      run.d.dispose(y);
      if (round > 0) run.times.push(performance.now() - started);
    }
  }
  console.log(`variants at [${B},${H},${S},${D}] (median ms):`);
  for (const run of runs) {
    console.log(`  ${median(run.times).toFixed(0).padStart(6)}  ${JSON.stringify(run.attention)}`);
    run.d.dispose(...run.inputs);
  }
  console.log('');
}
if (flag('--variants')) await timeVariants([1, 8, 256, 64]);

const rows = [];
for (const [B, H, S, D] of shapes) {
  const label = `[${B},${H},${S},${D}]`;
  const data = [1, 2, 3].map((seed) => random(B * H * S * D, seed));
  const scoreBytes = B * H * S * S * 4;
  const impls = { attnkit: prepareOurs(B, H, S, D, data) };
  const notes = [];
  const tooBig = await naiveFits('3-pass and tfjs', scoreBytes);
  if (tooBig) {
    notes.push(tooBig);
    // The three-pass baseline is still attempted: creating its score buffer fails with a validation error.
    device.pushErrorScope('validation');
    const attempt = threePass.prepare(B, H, S, D, data);
    const error = await device.popErrorScope();
    attempt.release();
    notes.push(`3-pass attempt: ${error ? `failed (${error.message.split('\n')[0]})` : 'unexpectedly succeeded'}`);
  } else {
    impls['3-pass'] = threePass.prepare(B, H, S, D, data);
    if (tfjs) impls.tfjs = tfjs.prepare(B, H, S, D, data);
  }
  const times = Object.fromEntries(Object.keys(impls).map((k) => [k, []]));
  const outputs = {};
  for (let round = 0; round <= rounds; round++) {
    for (const [name, impl] of Object.entries(impls)) {
      const started = performance.now();
      const out = await impl.run();
      const ms = performance.now() - started;
      if (round === 0) outputs[name] = out;
      else times[name].push(ms);
    }
  }
  const ms = Object.fromEntries(Object.entries(times).map(([k, t]) => [k, median(t)]));
  const row = { shape: label, ms, extraBytes: impls.attnkit.extra(), naiveScoreBytes: scoreBytes, notes };
  for (const other of ['3-pass', 'tfjs']) {
    if (ms[other] !== undefined) {
      row[`vs ${other}`] = ms[other] / ms.attnkit;
      row[`maxDiff ${other}`] = maxDiff(outputs.attnkit, outputs[other]);
    }
  }
  rows.push(row);
  for (const impl of Object.values(impls)) impl.release();
  const ratios = ['3-pass', 'tfjs'].filter((o) => row[`vs ${o}`]).map((o) => `${row[`vs ${o}`].toFixed(2)}× vs ${o}`);
  console.log(
    `${label}: ${Object.entries(ms)
      .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
      .join(', ')}; attnkit ${ratios.join(', ')}; attnkit extra ${row.extraBytes} B vs naive scores ${scoreBytes} B`,
  );
  for (const note of notes) console.log(`  ${note}`);
}

// [1,8,16384,64]: the naive ones cannot allocate their scores; ours streams. In full it takes hours on a
// software adapter, so by default a slice of the same problem runs (the last 64 queries against all 16,384
// keys: same kernel, same per-row work) and --long runs all of it.
{
  const [B, H, S, D] = LONG;
  const Sq = flag('--long') ? S : 64;
  const d = createDevice(backend);
  const q = d.upload(random(B * H * Sq * D, 1), [B, H, Sq, D]);
  const [k, v] = [2, 3].map((seed) => d.upload(random(B * H * S * D, seed), [B, H, S, D]));
  const before = backend.memoryStats().bytesInUse;
  backend.resetPeak();
  const started = performance.now();
  const { y } = d.attention({ q, k, v }, { isCausal: true, causalAlignment: 'bottom-right' });
  const out = await d.read(y);
  const ms = performance.now() - started;
  const extra = backend.memoryStats().peakBytes - before - out.byteLength;
  d.dispose(q, k, v, y);
  const naive = B * H * S * S * 4;
  console.log(
    `\n[1,8,16384,64] causal${Sq === S ? '' : ` (last ${Sq} queries)`}: attnkit ${ms.toFixed(0)} ms, extra ${extra} B, finite: ${out.every(Number.isFinite)}; ` +
      `naive needs ${(naive / 2 ** 30).toFixed(1)} GiB of scores > ${(limit / 2 ** 30).toFixed(1)} GiB limit: out of memory`,
  );
  rows.push({ shape: `[1,8,16384,64] Sq=${Sq}`, ms: { attnkit: ms }, extraBytes: extra, naiveScoreBytes: naive });
}

if (value('--json', null)) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(value('--json'), `${JSON.stringify({ adapter: backend.runsOn, rounds, rows }, null, 2)}\n`);
}
tfjs?.dispose();
backend.dispose();
process.exit(0);
