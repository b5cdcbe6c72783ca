export interface GenerateOptions {
  /** 1 (default) is greedy decoding; more is beam search. */
  readonly numBeams?: number;
  /** Generated tokens at most, EOS included. Default: 64, or the model's position limit when that is lower. */
  readonly maxNewTokens?: number;
  /** Beam scores are sum(log p) / length^lengthPenalty. Default 1. */
  readonly lengthPenalty?: number;
  /** Decode with the KV cache (default) or recompute the whole prefix at every step. */
  readonly useCache?: boolean;
  /** Greedy only: the logits [V] of every step. */
  readonly returnLogits?: boolean;
  /** Cross-attention probabilities per layer and head. */
  readonly returnAttentions?: boolean;
  /** Gains by attention module (`encoder.layers.0.self_attn` → one per head): 0 removes a head. */
  readonly headMask?: Readonly<Record<string, readonly number[]>>;
}

export interface Generation {
  /** Generated token ids, EOS excluded. */
  readonly tokens: number[];
  /** True when the sequence ended with EOS (false: it hit maxNewTokens). */
  readonly finished: boolean;
  /** Beam search: the length-normalized log-probability of the chosen hypothesis. */
  readonly score?: number;
  readonly logits?: Float32Array[];
  /**
   * [layer][head][step][sourcePosition]: step t is the query that produced generated token t (the EOS
   * step included when there is one); source positions cover the real source tokens only.
   */
  readonly crossAttentions?: number[][][][];
}

/** One step's cross-attention of one row: [layer][head][sourcePosition]. */
export type StepAttention = number[][][];

export function stackSteps(steps: readonly StepAttention[], layers: number, heads: number): number[][][][] {
  return Array.from({ length: layers }, (_, l) => Array.from({ length: heads }, (_, h) => steps.map((s) => s[l][h])));
}
