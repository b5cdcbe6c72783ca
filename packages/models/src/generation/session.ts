import type { DeviceTensor } from '@attnkit/core';
import type { KeyValueCache } from '../layers/attention.js';
import { collectTensors } from '../scope.js';
import type { EncodedSource, Seq2SeqTranslator } from '../seq2seq.js';

/**
 * Notation: R rows (batch × beams) · V vocabulary · L decoder layers · H heads · S padded source length
 *
 * One decoding run on the device: the target prefixes of every row, and either the KV cache (each step
 * feeds only the newest token at position P = prefix length − 1) or nothing (each step recomputes the
 * whole prefix, the baseline the cache is tested and benchmarked against). Rows can be reordered
 * between steps (beam search); the cache follows with a row gather.
 */
export interface StepOutput {
  /** [R, V], owned by the caller. */
  readonly logits: DeviceTensor<'float32'>;
  /** Per layer, cross-attention probabilities of the newest query [R, H, S], owned by the caller. */
  readonly crossAttentions?: DeviceTensor<'float32'>[];
}

export class DecodingSession {
  private prefixes: number[][];
  private cache: KeyValueCache[] | null = null;
  private pending: KeyValueCache[] | null = null;

  constructor(
    private readonly model: Seq2SeqTranslator,
    private readonly source: EncodedSource,
    readonly useCache: boolean,
  ) {
    this.prefixes = source.lengths.map(() => [model.config.bos_token_id]);
  }

  get rows(): number {
    return this.prefixes.length;
  }

  /** S, the padded source length of the cross-attention maps. */
  get sourceLength(): number {
    return this.source.S;
  }

  /** Real (unpadded) source length of every row. */
  get sourceLengths(): readonly number[] {
    return this.source.lengths;
  }

  get length(): number {
    return this.prefixes[0].length;
  }

  /** Logits of the next token for every row. Call `advance` before the next step. */
  step(returnCrossAttentions: boolean): StepOutput {
    const { ops, embeddings, decoder, lmHead, config } = this.model;
    const St = this.useCache ? 1 : this.length;
    const start = this.useCache ? this.length - 1 : 0;
    const out = ops.tidy(() => {
      const tokens = this.prefixes.flatMap((p) => p.slice(p.length - St));
      const ids = ops.upload(Int32Array.from(tokens), [this.rows, St]);
      const decoded = decoder.forward(ops, embeddings.forward(ops, ids, start), {
        cross: this.source.cross,
        cache: this.cache,
        useCache: this.useCache,
        returnCrossAttentions,
      });
      const last = St === 1 ? decoded.hidden : ops.slice(decoded.hidden, 1, St - 1, 1);
      const logits = ops.reshape(lmHead.forward(ops, last), [this.rows, config.vocab_size]);
      const crossAttentions = decoded.crossAttentions?.map((scores) => {
        const newest = St === 1 ? scores : ops.slice(scores, 2, St - 1, 1);
        return ops.reshape(newest, [this.rows, config.num_heads, this.source.S]);
      });
      return { logits, crossAttentions, cache: decoded.cache ?? null };
    });
    this.model.device.dispose(...(this.pending ?? []).flatMap((c) => [c.key, c.value]));
    this.pending = out.cache;
    return { logits: out.logits, ...(out.crossAttentions && { crossAttentions: out.crossAttentions }) };
  }

  /** Appends one token per row; `origins[r]` is the row whose prefix (and cache) row r continues. */
  advance(next: readonly number[], origins: readonly number[] | null = null): void {
    const { ops, device } = this.model;
    const from = origins ?? this.prefixes.map((_, r) => r);
    this.prefixes = from.map((o, r) => [...this.prefixes[o], next[r]]);
    const old = this.cache;
    if (this.pending) {
      const present = this.pending;
      this.cache = origins
        ? ops.tidy(() =>
            present.map((c) => ({ key: ops.selectRows(c.key, origins), value: ops.selectRows(c.value, origins) })),
          )
        : present;
      if (origins) disposeCache(device, present);
      this.pending = null;
    }
    if (old && old !== this.cache) disposeCache(device, old);
  }

  dispose(): void {
    const device = this.model.device;
    if (this.cache) disposeCache(device, this.cache);
    if (this.pending) disposeCache(device, this.pending);
    this.cache = null;
    this.pending = null;
  }
}

function disposeCache(device: Seq2SeqTranslator['device'], cache: readonly KeyValueCache[]): void {
  const tensors = new Set<DeviceTensor>();
  collectTensors(cache, tensors);
  device.dispose(...tensors);
}
