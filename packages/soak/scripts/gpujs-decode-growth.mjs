// Reproduces the gpu.js (headless-gl) native memory growth that breaks the soak's RSS bound in the beam decode.
// A decode step at [4, 4, T, 64] with the cache fed back (T + 1 each step): RSS grows ~16 MiB per 100 steps on
// llvmpipe while the JS heap, array buffers, GL texture count and compiled kernels stay flat. Findings so far
// (RELIABILITY.md, "Known open"): not glibc arenas (MALLOC_ARENA_MAX=1, LP_NUM_THREADS=0 change nothing), not
// per texture size (bucketing every dynamic output to 8 sizes per octave cut distinct sizes 1,258 → 245 and
// left the growth as it was), not fresh argument textures of fixed sizes (no growth), not 100 cycled cache sizes
// (no growth after the first cycle): it follows steps whose key count T is new.
// Run: MALLOC_MMAP_THRESHOLD_=131072 ../../scripts/with-display.sh node --expose-gc scripts/gpujs-decode-growth.mjs
import { readFileSync } from 'node:fs';
import { createDevice } from '@attnkit/core';
import { MATRIX_BACKENDS } from '@attnkit/matrix';

const anonMiB = () => Number(readFileSync('/proc/self/status', 'utf8').match(/RssAnon:\s+(\d+)/)[1]) >> 10;
const backend = await MATRIX_BACKENDS.find((e) => e.name === 'gpujs-webgl').create();
const device = createDevice(backend);
const upload = (shape) => device.upload(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.01), shape);
const steps = Number(process.env.STEPS ?? 600);
const marks = [];
let pastKey = upload([4, 4, 1, 64]);
let pastValue = upload([4, 4, 1, 64]);
for (let s = 1; s <= steps; s++) {
  const [q, k, v] = [upload([4, 4, 1, 64]), upload([4, 4, 1, 64]), upload([4, 4, 1, 64])];
  const out = device.attention({ q, k, v, pastKey, pastValue }, { isCausal: true, causalAlignment: 'bottom-right' });
  device.dispose(q, k, v, pastKey, pastValue, out.y);
  pastKey = out.presentKey;
  pastValue = out.presentValue;
  if (s % 100 === 0) {
    globalThis.gc?.();
    marks.push(`${s}: ${anonMiB()} MiB anon, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
  }
}
console.log(marks.join('\n'));
console.log('kernels', JSON.stringify(backend.kernelStats()), 'textures', backend.liveTextures());
device.dispose(pastKey, pastValue);
backend.dispose();
