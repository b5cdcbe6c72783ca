// Attention timings: this backend against the straightforward tfjs composition
// (matMul(q, k, false, true) → scale/mask → softmax → matMul) on the same tfjs backend, in the same run.
// Usage: pnpm --filter @attnkit/backend-tfjs bench [-- --backends wasm,cpu --runs 5]
// Needs a build (dist/). Reports the median of several runs after a warm-up; ratio > 1 means faster.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDevice } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createBackend } from '../dist/index.js';

const require = createRequire(import.meta.url);
setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,cpu' },
    runs: { type: 'string', default: '5' },
    shapes: { type: 'string', default: '1x8x512x64,1x8x2048x64' },
  },
});
const runs = Number(args.runs);
const shapes = args.shapes.split(',').map((s) => s.split('x').map(Number));

/** The baseline: one batched matMul with a transpose flag, a materialized mask, softmax, matMul. */
function composition(q, k, v, causal) {
  return tf.tidy(() => {
    const [, , S, D] = q.shape;
    let s = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(D));
    if (causal) {
      const allowed = tf.linalg.bandPart(tf.ones([S, S]), -1, 0);
      s = tf.add(s, tf.mul(tf.sub(1, allowed), -1e9));
    }
    return tf.matMul(tf.softmax(s), v);
  });
}

/** Median ms of each function; runs alternate so that load on a shared machine hits both alike. */
async function compare(fns) {
  for (const fn of fns) await once(fn); // warm-up: kernels compiled, memory grown
  const ms = fns.map(() => []);
  for (let i = 0; i < runs; i++) for (let f = 0; f < fns.length; f++) ms[f].push(await once(fns[f]));
  return ms.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]);
}

async function once(fn) {
  const t0 = performance.now();
  const y = fn();
  await y.data();
  const elapsed = performance.now() - t0;
  y.dispose();
  return elapsed;
}

const rows = [];
for (const name of args.backends.split(',')) {
  const backend = await createBackend({ tfjsBackend: name });
  const device = createDevice(backend);
  console.log(`# ${backend.name}: ${backend.runsOn.description}`);
  for (const [B, H, S, D] of shapes) {
    const n = B * H * S * D;
    const data = () => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
    const [q, k, v] = [data(), data(), data()].map((d) => device.upload(d, [B, H, S, D]));
    const [tq, tk, tv] = [q, k, v].map((t) => t.tensor);
    for (const causal of [false, true]) {
      const [ours, base] = await compare([
        () => {
          const { y } = device.attention({ q, k, v }, { isCausal: causal });
          const t = tf.clone(y.tensor);
          device.dispose(y);
          return t;
        },
        () => composition(tq, tk, tv, causal),
      ]);
      const row = { backend: name, shape: `[${B},${H},${S},${D}]`, causal, attnkitMs: +ours.toFixed(1), compositionMs: +base.toFixed(1), speedup: +(base / ours).toFixed(2) };
      rows.push(row);
      console.log(`${row.shape} causal=${causal}: attnkit ${row.attnkitMs} ms, composition ${row.compositionMs} ms, ${row.speedup}x`);
    }
    device.dispose(q, k, v);
  }
  backend.dispose();
}
console.table(rows);
