import type { StoredTensor, TransformerConfig } from '../../src/index.js';

/**
 * An independent float64 Transformer written with plain loops from the stored weights (nothing from the
 * model code or the device API), to check device logits against. One unpadded input at a time.
 */
export type Matrix = number[][];

export class HostTransformer {
  constructor(
    readonly config: TransformerConfig,
    private readonly weights: ReadonlyMap<string, StoredTensor>,
  ) {}

  get(name: string): number[] {
    const t = this.weights.get(name);
    if (!t) throw new Error(`no tensor ${name}`);
    return Array.from(t.data);
  }

  embed(ids: readonly number[]): Matrix {
    const d = this.config.d_model;
    const table = this.get('embed_tokens.weight');
    const learned = this.config.positions === 'learned' ? this.get('embed_positions.weight') : null;
    return ids.map((id, i) =>
      Array.from({ length: d }, (_, c) => {
        const angle = i / 10000 ** ((c - (c % 2)) / d);
        const position =
          this.config.positions === 'alibi'
            ? 0
            : learned
              ? learned[i * d + c]
              : c % 2 === 0
                ? Math.sin(angle)
                : Math.cos(angle);
        return table[id * d + c] + position;
      }),
    );
  }

  linear(m: Matrix, prefix: string): Matrix {
    const w = this.get(`${prefix}.weight`);
    const b = this.get(`${prefix}.bias`);
    const out = b.length;
    return m.map((row) =>
      Array.from({ length: out }, (_, j) => row.reduce((acc, v, k) => acc + v * w[k * out + j], b[j])),
    );
  }

  norm(m: Matrix, prefix: string): Matrix {
    const g = this.get(`${prefix}.weight`);
    const b = this.get(`${prefix}.bias`);
    return m.map((row) => {
      const mean = row.reduce((a, v) => a + v, 0) / row.length;
      const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length;
      return row.map((v, j) => ((v - mean) / Math.sqrt(variance + this.config.layer_norm_eps)) * g[j] + b[j]);
    });
  }

  feedForward(m: Matrix, prefix: string): Matrix {
    const act = (v: number) =>
      this.config.activation === 'relu' ? Math.max(v, 0) : 0.5 * v * (1 + erfSeries(v / Math.SQRT2));
    return this.linear(
      this.linear(m, `${prefix}.fc1`).map((row) => row.map(act)),
      `${prefix}.fc2`,
    );
  }

  /**
   * Attention of queries from `x` over keys/values from `source`. bias(h, i, j) is added to the scaled
   * score (−Infinity masks), for causal masks and ALiBi.
   */
  attention(
    x: Matrix,
    source: Matrix,
    prefix: string,
    bias: (h: number, i: number, j: number) => number = () => 0,
  ): Matrix {
    const { num_heads: H, num_kv_heads: Hkv, d_model: d } = this.config;
    const Dh = d / H;
    const q = this.linear(x, `${prefix}.q_proj`);
    const k = this.linear(source, `${prefix}.k_proj`);
    const v = this.linear(source, `${prefix}.v_proj`);
    const heads = q.map((qi, i) =>
      Array.from({ length: H }, (_, h) => {
        const kv = Math.floor(h / (H / Hkv));
        const scores = k.map((kj, j) => {
          let dot = 0;
          for (let c = 0; c < Dh; c++) dot += qi[h * Dh + c] * kj[kv * Dh + c];
          return dot / Math.sqrt(Dh) + bias(h, i, j);
        });
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const sum = e.reduce((a, b) => a + b, 0);
        return Array.from({ length: Dh }, (_, c) => e.reduce((acc, p, j) => acc + (p / sum) * v[j][kv * Dh + c], 0));
      }).flat(),
    );
    return this.linear(heads, `${prefix}.o_proj`);
  }

  /** ALiBi slopes of the paper for a power-of-two head count: 2^(−8(h+1)/H). */
  slope(h: number): number {
    return 2 ** ((-8 * (h + 1)) / this.config.num_heads);
  }

  encoder(x: Matrix, prefix: string, layers: number): Matrix {
    const alibi = this.config.positions === 'alibi';
    const bias = (h: number, i: number, j: number) => (alibi ? -this.slope(h) * Math.abs(i - j) : 0);
    for (let l = 0; l < layers; l++) {
      const p = `${prefix}.layers.${l}`;
      if (this.config.norm === 'pre') {
        const a = this.norm(x, `${p}.self_attn_layer_norm`);
        const h = add(x, this.attention(a, a, `${p}.self_attn`, bias));
        x = add(h, this.feedForward(this.norm(h, `${p}.final_layer_norm`), p));
      } else {
        const h = this.norm(add(x, this.attention(x, x, `${p}.self_attn`, bias)), `${p}.self_attn_layer_norm`);
        x = this.norm(add(h, this.feedForward(h, p)), `${p}.final_layer_norm`);
      }
    }
    return this.config.norm === 'pre' ? this.norm(x, `${prefix}.layer_norm`) : x;
  }

  decoder(x: Matrix, memory: Matrix, prefix: string, layers: number): Matrix {
    const alibi = this.config.positions === 'alibi';
    const causal = (h: number, i: number, j: number) =>
      j > i ? Number.NEGATIVE_INFINITY : alibi ? -this.slope(h) * (i - j) : 0;
    for (let l = 0; l < layers; l++) {
      const p = `${prefix}.layers.${l}`;
      if (this.config.norm === 'pre') {
        const a = this.norm(x, `${p}.self_attn_layer_norm`);
        const h = add(x, this.attention(a, a, `${p}.self_attn`, causal));
        const g = add(h, this.attention(this.norm(h, `${p}.encoder_attn_layer_norm`), memory, `${p}.encoder_attn`));
        x = add(g, this.feedForward(this.norm(g, `${p}.final_layer_norm`), p));
      } else {
        const h = this.norm(add(x, this.attention(x, x, `${p}.self_attn`, causal)), `${p}.self_attn_layer_norm`);
        const g = this.norm(add(h, this.attention(h, memory, `${p}.encoder_attn`)), `${p}.encoder_attn_layer_norm`);
        x = this.norm(add(g, this.feedForward(g, p)), `${p}.final_layer_norm`);
      }
    }
    return this.config.norm === 'pre' ? this.norm(x, `${prefix}.layer_norm`) : x;
  }
}

export function add(a: Matrix, b: Matrix): Matrix {
  return a.map((row, i) => row.map((v, j) => v + b[i][j]));
}

/** erf by its Maclaurin series (float64 keeps ~1e-9 for |x| ≤ 4; beyond, erf is ±1 within 2e-8). */
export function erfSeries(x: number): number {
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
