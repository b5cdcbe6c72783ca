// Attention timings: this backend (path chosen per call, and each path forced) against the straightforward
// tfjs composition (matMul(q, k, false, true) → scale/mask → softmax → matMul) on the same tfjs backend,
// in the same run.
// Usage: pnpm --filter @attnkit/backend-tfjs bench [-- --backends wasm,cpu --runs 5 --shapes 1x8x512x64,256x4x1x24x32]
// A shape BxHxSxD is self-attention over S tokens, timed without and with a causal mask; BxHxSqxTxD is a
// decode-like call (Sq new queries against T cached keys), timed without and with a padding mask [B,1,1,T]
// (boolean, random valid lengths ≥ 1) as beam search over rows of different lengths uses.
// Needs a build (dist/). Reports the median of several runs after a warm-up; a ratio > 1 means the first
// named is faster. The batched path is skipped where its score tensor B·H·Sq·T exceeds --batched-max.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { mulberry32 } from '@attnkit/conformance';
import { createDevice } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createBackend } from '../dist/index.js';

const require = createRequire(import.meta.url);
setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);

// pnpm passes a separating `--` through to the script; parseArgs would take everything after it as positional.
const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    backends: { type: 'string', default: 'wasm,cpu' },
    runs: { type: 'string', default: '5' },
    shapes: { type: 'string', default: '1x8x512x64,1x8x2048x64,256x4x1x24x32,256x4x20x20x32,1x8x1x4096x64' },
    'batched-max': { type: 'string', default: String(2 ** 23) },
  },
});
const runs = Number(args.runs);
const batchedMax = Number(args['batched-max']);
const shapes = args.shapes.split(',').map((s) => {
  const n = s.split('x').map(Number);
  return n.length === 4
    ? { B: n[0], H: n[1], Sq: n[2], T: n[2], D: n[3], decode: false }
    : { B: n[0], H: n[1], Sq: n[2], T: n[3], D: n[4], decode: true };
});

/** The baseline: one batched matMul with a transpose flag, a materialized mask, softmax, matMul. */
function composition(q, k, v, { causal, pad }) {
  return tf.tidy(() => {
    const [, , Sq, D] = q.shape;
    const T = k.shape[2];
    let s = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(D));
    if (causal) {
      const allowed = tf.linalg.bandPart(tf.ones([Sq, T]), -1, 0);
      s = tf.add(s, tf.mul(tf.sub(1, allowed), -1e9));
    }
    if (pad) s = tf.add(s, tf.mul(tf.sub(1, tf.cast(pad, 'float32')), -1e9));
    return tf.matMul(tf.softmax(s), v);
  });
}

/**
 * Median ms of each function; runs alternate so that load on a shared machine hits all alike. A function
 * whose call takes a few milliseconds gets 10× the runs: its median is otherwise at the mercy of one busy
 * moment.
 */
async function compare(fns) {
  const counts = [];
  for (const fn of fns) counts.push((await once(fn)) < 20 ? runs * 10 : runs); // warm-up: kernels compiled, memory grown
  const ms = fns.map(() => []);
  for (let i = 0; i < Math.max(...counts); i++)
    for (let f = 0; f < fns.length; f++) if (i < counts[f]) ms[f].push(await once(fns[f]));
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

function random(n, next) {
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

const fixed = (x) => +x.toFixed(x < 10 ? 2 : 1);
const rows = [];
for (const name of args.backends.split(',')) {
  const paths = ['auto', 'batched', 'blocked'];
  const devices = [];
  for (const path of paths) devices.push(createDevice(await createBackend({ tfjsBackend: name, path })));
  console.log(`# ${name}: ${devices[0].backend.runsOn.description}`);
  for (const { B, H, Sq, T, D, decode } of shapes) {
    const next = mulberry32(B * 7919 + T);
    const host = { q: random(B * H * Sq * D, next), k: random(B * H * T * D, next), v: random(B * H * T * D, next) };
    const lengths = Array.from({ length: B }, () => 1 + Math.floor(next() * T));
    const padHost = Uint8Array.from({ length: B * T }, (_, i) => (i % T < lengths[Math.floor(i / T)] ? 1 : 0));
    const uploaded = devices.map((device) => ({
      q: device.upload(host.q, [B, H, Sq, D]),
      k: device.upload(host.k, [B, H, T, D]),
      v: device.upload(host.v, [B, H, T, D]),
      pad: decode ? device.upload(padHost, [B, 1, 1, T]) : null,
    }));
    const { q: tq, k: tk, v: tv } = uploaded[0];
    const tpad = decode ? tf.tensor(padHost, [B, 1, 1, T], 'bool') : null;
    const variants = decode
      ? [
          { label: 'no mask', causal: false, pad: false },
          { label: 'padding mask', causal: false, pad: true },
        ]
      : [
          { label: 'no mask', causal: false, pad: false },
          { label: 'causal', causal: true, pad: false },
        ];
    for (const variant of variants) {
      const attnkit = (i) => () => {
        const u = uploaded[i];
        const { y } = devices[i].attention(
          { q: u.q, k: u.k, v: u.v, ...(variant.pad && { mask: u.pad }) },
          { isCausal: variant.causal },
        );
        const t = tf.clone(y.tensor);
        devices[i].dispose(y);
        return t;
      };
      const withBatched = B * H * Sq * T <= batchedMax;
      const fns = [
        attnkit(0),
        ...(withBatched ? [attnkit(1)] : []),
        attnkit(2),
        () => composition(tq.tensor, tk.tensor, tv.tensor, { causal: variant.causal, pad: variant.pad && tpad }),
      ];
      const ms = await compare(fns);
      const [auto, batched, blocked, plain] = withBatched ? ms : [ms[0], Number.NaN, ms[1], ms[2]];
      const row = {
        backend: name,
        shape: decode ? `[${B},${H},${Sq},${T},${D}]` : `[${B},${H},${Sq},${D}]`,
        variant: variant.label,
        autoMs: fixed(auto),
        batchedMs: withBatched ? fixed(batched) : '—',
        blockedMs: fixed(blocked),
        compositionMs: fixed(plain),
        'composition/auto': fixed(plain / auto),
        'blocked/batched': withBatched ? fixed(blocked / batched) : '—',
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    tpad?.dispose();
    for (const [i, u] of uploaded.entries()) devices[i].dispose(...Object.values(u).filter(Boolean));
  }
  for (const device of devices) device.backend.dispose();
}
console.table(rows);
