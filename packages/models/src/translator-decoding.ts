import type { Device } from '@attnkit/core';
import type { TranslatorConfig } from './config.js';
import type { CrossAttentionSource, Decoder } from './decoder.js';
import type { DecoderCache, DecoderStepInput, DecoderStepOutput, DecodingState } from './generation/state.js';
import type { Embeddings } from './layers/embeddings.js';
import type { Linear } from './layers/linear.js';
import { disposeTensors, type Ops } from './scope.js';

/**
 * Notation: R rows · St tokens fed in one step · V vocabulary · H heads · S padded source length
 *
 * The translator's side of the generation seam: a `DecodingState` over one encoded source, made by
 * `Seq2SeqTranslator.startDecoding`. The translator hands it the layers it needs, so they stay private to
 * the translator and generation sees only the interface.
 */

/** The encoder output as the decoder reads it: per-layer cross keys/values plus the source mask. */
export interface EncodedSource {
  readonly cross: CrossAttentionSource;
  /** Real length of every row; rows are right-padded to S. */
  readonly lengths: readonly number[];
  readonly S: number;
}

/** The translator's layers a decoding step runs. */
export interface DecodingLayers {
  readonly device: Device;
  readonly config: TranslatorConfig;
  readonly ops: Ops;
  readonly embeddings: Embeddings;
  readonly decoder: Decoder;
  readonly lmHead: Linear;
}

export class TranslatorDecoding implements DecodingState {
  // Hard-private, so a state handed to user code exposes the interface and nothing of the translator.
  readonly #layers: DecodingLayers;
  readonly #source: EncodedSource;
  /** Head masks by attention module, applied at every step (Ops.withHeadMasks). */
  readonly #headMasks: Readonly<Record<string, readonly number[]>> | undefined;
  #disposed = false;

  /** Takes over `source`: `dispose()` releases it. The layers stay the translator's. */
  constructor(layers: DecodingLayers, source: EncodedSource, headMasks?: Readonly<Record<string, readonly number[]>>) {
    this.#layers = layers;
    this.#source = source;
    this.#headMasks = headMasks;
  }

  get device(): Device {
    return this.#layers.device;
  }

  get config(): TranslatorConfig {
    return this.#layers.config;
  }

  get rows(): number {
    return this.#source.lengths.length;
  }

  get sourceLength(): number {
    return this.#source.S;
  }

  get sourceLengths(): readonly number[] {
    return this.#source.lengths;
  }

  step(input: DecoderStepInput): DecoderStepOutput {
    const { ops, embeddings, decoder, lmHead, config } = this.#layers;
    const R = this.rows;
    const St = input.tokens[0].length;
    return ops.withHeadMasks(this.#headMasks, () =>
      ops.tidy(() => {
        const ids = ops.upload(Int32Array.from(input.tokens.flat()), [R, St]);
        const decoded = decoder.forward(ops, embeddings.forward(ops, ids, input.start), {
          cross: this.#source.cross,
          cache: input.cache,
          useCache: input.useCache,
          returnCrossAttentions: input.returnCrossAttentions,
        });
        // Only the newest position predicts the next token; when recomputing, the others are discarded.
        const last = St === 1 ? decoded.hidden : ops.slice(decoded.hidden, 1, St - 1, 1);
        const logits = ops.reshape(lmHead.forward(ops, last), [R, config.vocab_size]);
        const crossAttentions = decoded.crossAttentions?.map((scores) => {
          const newest = St === 1 ? scores : ops.slice(scores, 2, St - 1, 1);
          return ops.reshape(newest, [R, scores.shape[1], this.#source.S]);
        });
        return { logits, ...(crossAttentions && { crossAttentions }), cache: decoded.cache ?? null };
      }),
    );
  }

  reorderCache(cache: DecoderCache, origins: readonly number[]): DecoderCache {
    const { ops } = this.#layers;
    return ops.tidy(() =>
      cache.map((c) => ({ key: ops.selectRows(c.key, origins), value: ops.selectRows(c.value, origins) })),
    );
  }

  release(cache: DecoderCache): void {
    disposeTensors(this.device, cache);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    disposeTensors(this.device, this.#source);
  }
}
