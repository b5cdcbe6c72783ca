// Reproduces the gpu.js (headless-gl) native memory growth that broke the soak's RSS bound in the beam decode.
// A decode step at [4, 4, T, 64] with the cache fed back (T + 1 each step). Found: gpu.js's HeadlessGLKernel
// resized headless-gl's drawing buffer (RGBA8 color texture + depth renderbuffer, malloc'd inside Mesa) on every
// run to maxTexSize, the largest texture width and, separately, the largest height any kernel had: 557 × 4848 at
// T = 303 (the unpacked cache is ~√(16·64·T) wide, the packed one 16·T rows high), 785 × 9600 at T = 600, never
// shrinking. So it grew at every new T and not when T cycled. backend-gpujs now keeps its kernels off the
// drawing buffer (src/drawing-buffer.ts). What this script still shows growing is the working set at the current
// T (the cache it holds, each kernel's last output, and what Mesa keeps of the last draw's textures): it comes
// back down when T does. To see what is retained, dispose the cache and compare RSS at equal T.
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
