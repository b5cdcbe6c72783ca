import type { ClassifierConfig, StoredTensor } from '../../src/index.js';

/**
 * An independent float64 forward pass of the text classifier, written with plain loops from the stored
 * weights (nothing from the model code or the device API), to check the device logits against.
 * One unpadded input; positions 'learned' or 'sinusoidal'.
 */
type W = ReadonlyMap<string, StoredTensor>;
type Matrix = number[][];

export function hostClassifierLogits(config: ClassifierConfig, weights: W, ids: readonly number[]): number[] {
  const get = (name: string) => Array.from(weights.get(name)!.data);
  const d = config.d_model;
  const tokens = config.pooling === 'cls' ? [config.cls_token_id!, ...ids] : [...ids];
  const embed = get('embed_tokens.weight');
  const positions = config.positions === 'learned' ? get('embed_positions.weight') : null;
  let x: Matrix = tokens.map((id, i) =>
    Array.from({ length: d }, (_, c) => {
      const position = positions ? positions[i * d + c] : c % 2 === 0 ? Math.sin(i / 10000 ** (c / d)) : Math.cos(i / 10000 ** ((c - 1) / d));
      return embed[id * d + c] + position;
    }),
  );
  const linear = (m: Matrix, prefix: string) => {
    const w = get(`${prefix}.weight`);
    const b = get(`${prefix}.bias`);
    const out = b.length;
    return m.map((row) => Array.from({ length: out }, (_, j) => row.reduce((acc, v, k) => acc + v * w[k * out + j], b[j])));
  };
  const norm = (m: Matrix, prefix: string) => {
    const g = get(`${prefix}.weight`);
    const b = get(`${prefix}.bias`);
    return m.map((row) => {
      const mean = row.reduce((a, v) => a + v, 0) / row.length;
      const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length;
      return row.map((v, j) => ((v - mean) / Math.sqrt(variance + config.layer_norm_eps)) * g[j] + b[j]);
    });
  };
  const add = (a: Matrix, b: Matrix) => a.map((row, i) => row.map((v, j) => v + b[i][j]));
  const act = (v: number) => (config.activation === 'relu' ? Math.max(v, 0) : 0.5 * v * (1 + erfSeries(v / Math.SQRT2)));
  const attention = (m: Matrix, prefix: string) => {
    const Dh = d / config.num_heads;
    const group = config.num_heads / config.num_kv_heads;
    const q = linear(m, `${prefix}.q_proj`);
    const k = linear(m, `${prefix}.k_proj`);
    const v = linear(m, `${prefix}.v_proj`);
    const heads = q.map((qi) =>
      Array.from({ length: config.num_heads }, (_, h) => {
        const kv = Math.floor(h / group);
        const scores = k.map((kj) => {
          let dot = 0;
          for (let c = 0; c < Dh; c++) dot += qi[h * Dh + c] * kj[kv * Dh + c];
          return dot / Math.sqrt(Dh);
        });
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const sum = e.reduce((a, b) => a + b, 0);
        return Array.from({ length: Dh }, (_, c) => e.reduce((acc, p, j) => acc + (p / sum) * v[j][kv * Dh + c], 0));
      }).flat(),
    );
    return linear(heads, `${prefix}.o_proj`);
  };
  for (let l = 0; l < config.num_layers; l++) {
    const p = `encoder.layers.${l}`;
    const feedForward = (m: Matrix) => linear(linear(m, `${p}.fc1`).map((row) => row.map(act)), `${p}.fc2`);
    if (config.norm === 'pre') {
      const h = add(x, attention(norm(x, `${p}.self_attn_layer_norm`), `${p}.self_attn`));
      x = add(h, feedForward(norm(h, `${p}.final_layer_norm`)));
    } else {
      const h = norm(add(x, attention(x, `${p}.self_attn`)), `${p}.self_attn_layer_norm`);
      x = norm(add(h, feedForward(h)), `${p}.final_layer_norm`);
    }
  }
  if (config.norm === 'pre') x = norm(x, 'encoder.layer_norm');
  const pooled = config.pooling === 'cls' ? x[0] : x[0].map((_, c) => x.reduce((a, row) => a + row[c], 0) / x.length);
  const dense = linear([pooled], 'pooler.dense')[0].map(Math.tanh);
  return linear([dense], 'classifier')[0];
}

/** erf by its Maclaurin series (float64 keeps ~1e-9 for |x| ≤ 4; beyond, erf is ±1 within 2e-8). */
function erfSeries(x: number): number {
  if (Math.abs(x) > 4) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const next = term / (2 * n + 1);
    sum += next;
    if (Math.abs(next) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
