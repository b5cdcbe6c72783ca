import type { DeviceTensor } from '@attnkit/core';
import type { DecoderCache, DecodingState } from './state.js';

/**
 * Notation: R rows (batch × beams) · V vocabulary · H heads · S padded source length
 *
 * One decoding run: the target prefixes of every row, and either the KV cache (each step feeds only the
 * newest token at position P = prefix length − 1) or nothing (each step recomputes the whole prefix, the
 * baseline the cache is tested and benchmarked against). Rows can be reordered between steps (beam
 * search); the cache follows with a row gather. The device work is the state's; the session only keeps
 * the host-side bookkeeping, so it runs against any `DecodingState`.
 */
export interface StepOutput {
  /** [R, V], owned by the caller. */
  readonly logits: DeviceTensor<'float32'>;
  /** Per layer, cross-attention probabilities of the newest query [R, H, S], owned by the caller. */
  readonly crossAttentions?: DeviceTensor<'float32'>[];
}

export class DecodingSession {
  private prefixes: number[][];
  private cache: DecoderCache | null = null;
  /** The present cache of the last step, until `advance` adopts it. */
  private pending: DecoderCache | null = null;

  /** The state stays the caller's: `dispose()` releases only the session's caches. */
  constructor(
    private readonly state: DecodingState,
    readonly useCache: boolean,
  ) {
    this.prefixes = state.sourceLengths.map(() => [state.config.bos_token_id]);
  }

  get rows(): number {
    return this.prefixes.length;
  }

  /** S, the padded source length of the cross-attention maps. */
  get sourceLength(): number {
    return this.state.sourceLength;
  }

  /** Real (unpadded) source length of every row. */
  get sourceLengths(): readonly number[] {
    return this.state.sourceLengths;
  }

  get length(): number {
    return this.prefixes[0].length;
  }

  /** Logits of the next token for every row. Call `advance` before the next step. */
  step(returnCrossAttentions: boolean): StepOutput {
    const St = this.useCache ? 1 : this.length;
    const out = this.state.step({
      tokens: this.prefixes.map((p) => p.slice(p.length - St)),
      start: this.useCache ? this.length - 1 : 0,
      cache: this.cache,
      useCache: this.useCache,
      returnCrossAttentions,
    });
    if (this.pending) this.state.release(this.pending);
    this.pending = out.cache;
    return { logits: out.logits, ...(out.crossAttentions && { crossAttentions: out.crossAttentions }) };
  }

  /** Appends one token per row; `origins[r]` is the row whose prefix (and cache) row r continues. */
  advance(next: readonly number[], origins: readonly number[] | null = null): void {
    const from = origins ?? this.prefixes.map((_, r) => r);
    this.prefixes = from.map((o, r) => [...this.prefixes[o], next[r]]);
    const old = this.cache;
    if (this.pending) {
      const present = this.pending;
      this.cache = origins ? this.state.reorderCache(present, origins) : present;
      if (origins) this.state.release(present);
      this.pending = null;
    }
    if (old && old !== this.cache) this.state.release(old);
  }

  dispose(): void {
    if (this.cache) this.state.release(this.cache);
    if (this.pending) this.state.release(this.pending);
    this.cache = null;
    this.pending = null;
  }
}
