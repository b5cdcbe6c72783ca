import type * as GpuJs from 'gpu.js';
import type { BenchCase } from '../grid.js';
import type { CaseInputs } from '../inputs.js';
import type { PreparedCell, Target } from './target.js';

/**
 * The peer for gpu.js: attention as a gpu.js user writes it, one kernel per step on float textures, on the
 * same WebGL implementation as attnkit's gpu.js backend (headless-gl in Node, WebGL2 in a browser):
 *   scores = scale · q·kᵀ (+ mask; −10³⁰ above the diagonal if causal)   [B·Hq, Sq, T]
 *   row max, row sum of exp(s − max)                                        [B·Hq, Sq]
 *   probabilities = exp(s − max) / sum                                      [B·Hq, Sq, T]
 *   y = probabilities · v                                                   [B·Hq·Sq·D]
 * Data stays in textures between kernels (`pipeline`); a decode step concatenates the cache with a kernel
 * per call; GQA maps query head h to key/value head h / (Hq/Hkv). float32 only. Browser-safe: gpu.js is given.
 */
export type GpuJsModule = Pick<typeof GpuJs, 'GPU' | 'HeadlessGLKernel' | 'WebGL2Kernel'>;
export type GpuJsMode = 'headlessgl' | 'webgl2';

type Texture = GpuJs.Texture;
type Kernel = GpuJs.IKernelRunShortcut;

/** What a masked score becomes: GLSL may assume no infinities, so −∞ is never written or read. */
const MASKED = -1e30;
/** gpu.js on WebGL1 computes texture addresses in float: an index past 2²⁴ is no longer exact. */
const MAX_ELEMENTS = 2 ** 24;

interface GlContext {
  readonly MAX_TEXTURE_SIZE: number;
  getParameter(name: number): unknown;
}

const SETTINGS = { pipeline: true, immutable: true, precision: 'single', tactic: 'precision' } as const;

export async function createGpujsNaiveTarget(gpujs: GpuJsModule, mode: GpuJsMode): Promise<Target> {
  const gpu = new gpujs.GPU({ mode });
  // gpu.js falls back to another mode without a word (no X display, no WebGL2): check the class it built.
  const probe = gpu.createKernel('function() { return 1; }', { output: [1] });
  let maxTextureSize: number;
  try {
    probe();
    const { kernel } = probe as unknown as { kernel: { constructor: unknown; context: GlContext } };
    const expected = mode === 'headlessgl' ? gpujs.HeadlessGLKernel : gpujs.WebGL2Kernel;
    const { constructor: built, context } = kernel;
    if (built !== expected) throw new Error(`gpu.js did not build a ${mode} kernel (no WebGL here?)`);
    maxTextureSize = context.getParameter(context.MAX_TEXTURE_SIZE) as number;
  } catch (error) {
    probe.destroy();
    void gpu.destroy();
    throw error;
  }
  probe.destroy();
  return {
    name: 'gpujs-naive',
    label: 'gpu.js: scores → softmax → weighted sum (a kernel each)',
    role: 'peer',
    family: 'webgl',
    runsOn: `gpu.js kernels on ${mode === 'headlessgl' ? 'headless-gl' : 'WebGL2'}, textures up to ${maxTextureSize}²`,
    scoreCopies: 2,
    unsupported(c) {
      if (c.precision !== 'float32') return `${c.precision}: the naive gpu.js peer computes in float32 only`;
      const scores = c.B * c.Hq * c.Sq * c.T;
      const limit = Math.min(MAX_ELEMENTS, maxTextureSize ** 2);
      if (scores > limit) return `${scores} scores: over the ${limit} one gpu.js texture addresses exactly`;
      return null;
    },
    prepare: async (c, inputs) => prepareNaive(gpu, c, inputs),
    async dispose() {
      void gpu.destroy();
    },
  };
}

function prepareNaive(gpu: GpuJs.GPU, c: BenchCase, inputs: CaseInputs): PreparedCell {
  const { B, Hq, Hkv, Sq, T, P, D } = c;
  const [BH, BHkv, group, N] = [B * Hq, B * Hkv, Hq / Hkv, T - P];
  const kernels: Kernel[] = [];
  const textures: Texture[] = [];
  const kernel = (source: string, output: number[], loops = 0): Kernel => {
    // gpu.js's type omits loopMaxIterations, which its WebGL kernels read.
    const settings = { ...SETTINGS, output, loopMaxIterations: Math.max(loops, 1) + 1 };
    const k = gpu.createKernel(source, settings as GpuJs.IGPUKernelSettings);
    kernels.push(k);
    return k;
  };
  /** A host array as a texture [z][y][x], uploaded once. */
  const upload = (data: Float32Array, [x, y, z]: [number, number, number]): Texture => {
    const t = kernel(`function(a) { return a[(this.thread.z * ${y} + this.thread.y) * ${x} + this.thread.x]; }`, [
      x,
      y,
      z,
    ])(data) as unknown as Texture;
    textures.push(t);
    return t;
  };
  const q = upload(inputs.q, [D, Sq, BH]);
  const newKeys = upload(inputs.k, [D, N, BHkv]);
  const newValues = upload(inputs.v, [D, N, BHkv]);
  const mask = inputs.mask
    ? upload(
        inputs.mask.map((x) => Math.max(x, MASKED)),
        [T, Sq, 1],
      )
    : null;
  const past =
    inputs.pastKey && inputs.pastValue
      ? { k: upload(inputs.pastKey, [D, P, BHkv]), v: upload(inputs.pastValue, [D, P, BHkv]) }
      : null;
  const concat = past
    ? kernel(
        `function(old, fresh) {
          const j = this.thread.y;
          if (j < ${P}) { return old[this.thread.z][j][this.thread.x]; }
          return fresh[this.thread.z][j - ${P}][this.thread.x];
        }`,
        [D, T, BHkv],
      )
    : null;
  // The key/value head of query head bh (batch b = bh / Hq, head h = bh − b·Hq).
  const kvHead = (bh: string) => {
    const b = `Math.floor((${bh} + 0.5) / ${Hq}.0)`;
    return `${b} * ${Hkv} + Math.floor((${bh} - ${b} * ${Hq} + 0.5) / ${group}.0)`;
  };
  const scores = kernel(
    `function(q, k${mask ? ', mask' : ''}) {
      const j = this.thread.x;
      const i = this.thread.y;
      const bh = this.thread.z;
      const kv = ${kvHead('bh')};
      let acc = 0.0;
      for (let d = 0; d < ${D}; d++) { acc += q[bh][i][d] * k[kv][j][d]; }
      acc = acc * ${(1 / Math.sqrt(D)).toPrecision(9)}${mask ? ' + mask[0][i][j]' : ''};
      ${c.causal ? `if (j > i) { acc = ${MASKED.toPrecision(2)}; }` : ''}
      return acc;
    }`,
    [T, Sq, BH],
    D,
  );
  const rowMax = kernel(
    `function(s) {
      let m = s[this.thread.y][this.thread.x][0];
      for (let j = 1; j < ${T}; j++) { m = Math.max(m, s[this.thread.y][this.thread.x][j]); }
      return m;
    }`,
    [Sq, BH],
    T,
  );
  const rowSum = kernel(
    `function(s, m) {
      let sum = 0.0;
      const top = m[this.thread.y][this.thread.x];
      for (let j = 0; j < ${T}; j++) { sum += Math.exp(s[this.thread.y][this.thread.x][j] - top); }
      return sum;
    }`,
    [Sq, BH],
    T,
  );
  const probabilities = kernel(
    `function(s, m, l) {
      const i = this.thread.y;
      const bh = this.thread.z;
      return Math.exp(s[bh][i][this.thread.x] - m[bh][i]) / l[bh][i];
    }`,
    [T, Sq, BH],
  );
  const weighted = kernel(
    `function(p, v) {
      const row = Math.floor((this.thread.x + 0.5) / ${D}.0);
      const c = this.thread.x - row * ${D};
      const bh = Math.floor((row + 0.5) / ${Sq}.0);
      const i = row - bh * ${Sq};
      const kv = ${kvHead('bh')};
      let acc = 0.0;
      for (let j = 0; j < ${T}; j++) { acc += p[bh][i][j] * v[kv][j][c]; }
      return acc;
    }`,
    [BH * Sq * D],
    T,
  );
  weighted.setPipeline(false);

  const call = (): Float32Array => {
    const made: Texture[] = [];
    const keep = (t: unknown) => {
      made.push(t as Texture);
      return t as Texture;
    };
    try {
      const keys = past && concat ? keep(concat(past.k, newKeys)) : newKeys;
      const values = past && concat ? keep(concat(past.v, newValues)) : newValues;
      const s = keep(mask ? scores(q, keys, mask) : scores(q, keys));
      const m = keep(rowMax(s));
      const l = keep(rowSum(s, m));
      const p = keep(probabilities(s, m, l));
      return weighted(p, values) as Float32Array;
    } finally {
      for (const t of made) t.delete();
    }
  };
  return {
    run: async () => void call(),
    measureMemory: async () => null,
    output: async () => Float32Array.from(call()),
    dispose: () => {
      for (const t of textures) t.delete();
      for (const k of kernels) k.destroy();
    },
  };
}
