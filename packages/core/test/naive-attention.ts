import type { AttentionOptions, HostAttentionInputs } from '../src/index.js';

/**
 * A second, deliberately naive statement of CONTRACT.md, written without looking at the reference's
 * indexing: 4D inputs only, the mask expanded by plain broadcasting rules, visibility tracked as booleans
 * (not as −∞ scores), kv head ⌊h·Hkv / Hq⌋. The fuzz test checks that both agree on random calls.
 */
export interface NaiveResult {
  y: number[];
  scores: number[] | null;
}

export function naiveAttention(
  inputs: HostAttentionInputs,
  options: AttentionOptions,
  slopes: ArrayLike<number> | null,
): NaiveResult {
  const [B, Hq, Sq, D] = inputs.q.shape;
  const [, Hkv, Skv] = inputs.k.shape;
  const Dv = inputs.v.shape[3];
  const P = inputs.pastKey ? inputs.pastKey.shape[2] : 0;
  const T = P + Skv;
  const scale = options.scale ?? 1 / Math.sqrt(D);
  const mode = options.scoresOutput ?? 'none';
  const get4 = (data: ArrayLike<number>, shape: readonly number[], a: number, b: number, c: number, d: number) =>
    data[((a * shape[1] + b) * shape[2] + c) * shape[3] + d];
  const key = (b: number, g: number, j: number, d: number) =>
    j < P
      ? get4(inputs.pastKey!.data, inputs.pastKey!.shape, b, g, j, d)
      : get4(inputs.k.data, inputs.k.shape, b, g, j - P, d);
  const value = (b: number, g: number, j: number, d: number) =>
    j < P
      ? get4(inputs.pastValue!.data, inputs.pastValue!.shape, b, g, j, d)
      : get4(inputs.v.data, inputs.v.shape, b, g, j - P, d);

  const y: number[] = [];
  const scores: number[] = [];
  for (let b = 0; b < B; b++) {
    const valid = inputs.kvValidLengths ? Math.min(Math.max(inputs.kvValidLengths[b], 0), T) : T;
    let offset = 0;
    if (options.causalAlignment === 'bottom-right') offset = T - Sq;
    else if (inputs.pastKey) offset = P;
    else if (inputs.kvValidLengths) offset = valid - Sq;
    for (let h = 0; h < Hq; h++) {
      const g = Math.floor((h * Hkv) / Hq);
      for (let i = 0; i < Sq; i++) {
        const raw: number[] = [];
        const capped: number[] = [];
        const visible: boolean[] = [];
        const biased: number[] = [];
        for (let j = 0; j < T; j++) {
          let s = 0;
          for (let d = 0; d < D; d++) s += get4(inputs.q.data, inputs.q.shape, b, h, i, d) * key(b, g, j, d);
          s *= scale;
          raw.push(s);
          if (options.softcap) s = options.softcap * Math.tanh(s / options.softcap);
          capped.push(s);
          let see = true;
          if (options.isCausal && j > i + offset) see = false;
          const w = options.window;
          if (
            w &&
            (j < i + offset - (w.left ?? Number.POSITIVE_INFINITY) ||
              j > i + offset + (w.right ?? Number.POSITIVE_INFINITY))
          )
            see = false;
          if (j >= valid) see = false;
          if (inputs.mask) {
            const m = inputs.mask;
            const shape4 = [...new Array(4 - m.shape.length).fill(1), ...m.shape];
            if (j >= shape4[3]) see = false;
            else {
              const at = [b, h, i].map((x, axis) => (shape4[axis] === 1 ? 0 : x));
              const mv = get4(m.data, shape4, at[0], at[1], at[2], j);
              if (m.kind === 'boolean') see &&= mv !== 0;
              else if (mv === Number.NEGATIVE_INFINITY) see = false;
              else s += mv;
            }
          }
          if (slopes) s -= slopes[h] * (i + offset - j);
          visible.push(see);
          biased.push(see ? s : Number.NEGATIVE_INFINITY);
        }
        const anyVisible = visible.some(Boolean);
        const max = Math.max(...biased.filter((_, j) => visible[j]));
        const e = biased.map((s, j) => (visible[j] ? Math.exp(s - max) : 0));
        const total = e.reduce((a, x) => a + x, 0);
        const p = e.map((x) => (anyVisible ? x / total : 0));
        const gain = options.headMask ? options.headMask[h] : 1;
        for (let d = 0; d < Dv; d++) {
          let acc = 0;
          for (let j = 0; j < T; j++) if (p[j] !== 0) acc += p[j] * value(b, g, j, d);
          y.push(gain * acc);
        }
        const stage = { none: [], raw, softcapped: capped, masked: biased, probabilities: p }[mode];
        scores.push(...stage);
      }
    }
  }
  return { y, scores: mode === 'none' ? null : scores };
}
