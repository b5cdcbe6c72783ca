import type { GPU, IKernelRunShortcut } from 'gpu.js';

/**
 * The naive gpu.js attention, for comparison: three kernels as a gpu.js user would write them first.
 *   scores = scale · q·kᵀ        [BH, L, L]
 *   probs  = softmax(scores)      each element re-reads its row for the max and the sum
 *   y      = probs · v            [BH, L, D]
 */
export function naiveAttention(gpu: GPU, BH: number, L: number, D: number) {
  const settings = {
    pipeline: true,
    immutable: true,
    precision: 'single',
    tactic: 'precision',
    loopMaxIterations: Math.max(L, D) + 1,
  } as const;
  const scores = gpu.createKernel(
    `function(q, k, scale) {
      const r = Math.floor((this.thread.x + 0.5) / ${L}.0);
      const j = this.thread.x - r * ${L};
      const bh = Math.floor((r + 0.5) / ${L}.0);
      let acc = 0.0;
      for (let d = 0; d < ${D}; d++) { acc += q[r * ${D} + d] * k[(bh * ${L} + j) * ${D} + d]; }
      return acc * scale;
    }`,
    { ...settings, output: [BH * L * L] },
  );
  const softmax = gpu.createKernel(
    `function(s) {
      const r = Math.floor((this.thread.x + 0.5) / ${L}.0);
      let m = s[r * ${L}];
      for (let j = 0; j < ${L}; j++) { m = Math.max(m, s[r * ${L} + j]); }
      let sum = 0.0;
      for (let j = 0; j < ${L}; j++) { sum += Math.exp(s[r * ${L} + j] - m); }
      return Math.exp(s[this.thread.x] - m) / sum;
    }`,
    { ...settings, output: [BH * L * L] },
  );
  const output = gpu.createKernel(
    `function(p, v) {
      const r = Math.floor((this.thread.x + 0.5) / ${D}.0);
      const d = this.thread.x - r * ${D};
      const bh = Math.floor((r + 0.5) / ${L}.0);
      let acc = 0.0;
      for (let j = 0; j < ${L}; j++) { acc += p[r * ${L} + j] * v[(bh * ${L} + j) * ${D} + d]; }
      return acc;
    }`,
    { ...settings, output: [BH * L * D] },
  );
  const upload = gpu.createKernel('function(x) { return x[this.thread.x]; }', { ...settings, output: [BH * L * D] });
  type Texture = { toArray(): Float32Array; delete(): void };
  const kernels: IKernelRunShortcut[] = [scores, softmax, output, upload];
  return {
    upload: (data: Float32Array) => upload(data) as unknown as Texture,
    run(q: Texture, k: Texture, v: Texture): Float32Array {
      const s = scores(q, k, 1 / Math.sqrt(D)) as unknown as Texture;
      const p = softmax(s) as unknown as Texture;
      const y = output(p, v) as unknown as Texture;
      const data = y.toArray();
      s.delete();
      p.delete();
      y.delete();
      return data;
    },
    destroy: () => {
      for (const k of kernels) k.destroy();
    },
  };
}
