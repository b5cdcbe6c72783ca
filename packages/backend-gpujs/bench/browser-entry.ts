import { createDevice } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import { GPU } from 'gpu.js';
import { createBackend } from '../src/index.js';
import { naiveAttention } from './naive-gpujs.js';

/**
 * Runs in Chromium (WebGL2 on SwiftShader): attention [B,H,L,D] three ways on the same WebGL implementation,
 * each timed as a full call plus the readback of y (the only way to wait for a WebGL result). The machines
 * are shared and loaded, so the contenders run interleaved, one call each per round, and each reports its
 * median: a change in load hits them alike, and the ratios hold better than the milliseconds.
 */
const SHAPES: [number, number, number, number][] = [
  [1, 8, 128, 64],
  [1, 8, 512, 64],
];
const WARMUP = 2;
const ROUNDS = 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function randomData(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

type Contender = { name: string; run: () => Promise<unknown> | unknown; rounds: number };

async function race(contenders: Contender[]): Promise<Record<string, number>> {
  const ms: Record<string, number[]> = {};
  for (const c of contenders) for (let n = 0; n < Math.min(WARMUP, c.rounds); n++) await c.run();
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of contenders) {
      if (round >= c.rounds) continue;
      const start = performance.now();
      await c.run();
      (ms[c.name] ??= []).push(performance.now() - start);
    }
  }
  return Object.fromEntries(Object.entries(ms).map(([name, xs]) => [name, median(xs)]));
}

export default function run() {
  return benchmark({ naive: true });
}

/** `naive: false` leaves out the naive gpu.js version, whose O(L³) softmax takes minutes at L = 512. */
export async function benchmark({ naive: withNaive }: { naive: boolean }) {
  await tf.setBackend('webgl');
  await tf.ready();
  const backend = await createBackend();
  const device = createDevice(backend);
  const gpu = new GPU({ mode: 'webgl2' });
  const rows: Record<string, unknown>[] = [];
  try {
    for (const [B, H, L, D] of SHAPES) {
      const n = B * H * L * D;
      const [qd, kd, vd] = [randomData(n, 1), randomData(n, 2), randomData(n, 3)];
      const q = device.upload(qd, [B, H, L, D]);
      const k = device.upload(kd, [B, H, L, D]);
      const v = device.upload(vd, [B, H, L, D]);
      const tq = tf.tensor3d(qd, [B * H, L, D]);
      const tk = tf.tensor3d(kd, [B * H, L, D]);
      const tv = tf.tensor3d(vd, [B * H, L, D]);
      const naive = withNaive ? naiveAttention(gpu, B * H, L, D) : null;
      const naiveInputs = naive ? [naive.upload(qd), naive.upload(kd), naive.upload(vd)] : [];

      // The first call builds this shape's kernels: its extra time is the compile cost, paid once per shape.
      const firstStart = performance.now();
      const first = device.attention({ q, k, v });
      await device.read(first.y);
      device.dispose(first.y);
      const firstCallMs = performance.now() - firstStart;

      const contenders: Contender[] = [
        {
          name: 'gpujs',
          rounds: ROUNDS,
          run: async () => {
            const { y } = device.attention({ q, k, v });
            await device.read(y);
            device.dispose(y);
          },
        },
        {
          name: 'tfjs',
          rounds: ROUNDS,
          run: async () => {
            const y = tf.tidy(() =>
              tf.matMul(tf.softmax(tf.mul(tf.matMul(tq, tk, false, true), 1 / Math.sqrt(D))), tv),
            );
            await y.data();
            y.dispose();
          },
        },
      ];
      if (naive)
        contenders.push({
          name: 'naive',
          rounds: L > 256 ? 1 : ROUNDS,
          run: () => naive.run(naiveInputs[0], naiveInputs[1], naiveInputs[2]),
        });
      const ms = await race(contenders);

      device.dispose(q, k, v);
      tf.dispose([tq, tk, tv]);
      for (const t of naiveInputs) t.delete();
      naive?.destroy();
      const naiveMs = ms.naive ?? Number.NaN;
      rows.push({
        shape: `[${B},${H},${L},${D}]`,
        gpujsFirstCallMs: firstCallMs,
        gpujsMs: ms.gpujs,
        tfjsWebglMs: ms.tfjs,
        naiveGpujsMs: naiveMs,
        tfjsOverOurs: ms.tfjs / ms.gpujs,
        naiveOverOurs: naiveMs / ms.gpujs,
      });
    }
    return { runsOn: backend.runsOn.description, tfjsBackend: tf.getBackend(), kernels: backend.kernelStats(), rows };
  } finally {
    backend.dispose();
    void gpu.destroy();
  }
}
