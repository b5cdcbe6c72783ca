import type { Device, DeviceTensor } from '@attnkit/core';
import type { TranslatorConfig } from '../config.js';
import type { KeyValueCache } from '../layers/attention.js';

/**
 * Notation: R rows (batch × beams) · St tokens fed in one step · V vocabulary · H heads · S padded source length
 *
 * The seam between generation and a model. Generation (session, greedy, beam) imports only this file, and a
 * model hands generation an object that implements it, so generation never sees the model's layers and the
 * model's modules never import each other in a circle.
 */

/** What the search loops read from a model: its device (to read and release step outputs) and token ids. */
export interface DecodingModel {
  readonly device: Device;
  readonly config: Pick<
    TranslatorConfig,
    'vocab_size' | 'num_heads' | 'decoder_layers' | 'bos_token_id' | 'eos_token_id' | 'pad_token_id'
  >;
}

/** Per decoder layer, the self-attention keys and values of the tokens decoded so far. */
export type DecoderCache = readonly KeyValueCache[];

export interface DecoderStepInput {
  /** Per row, the St newest tokens of its prefix (St is the same for every row). */
  readonly tokens: readonly (readonly number[])[];
  /** Position of the first of those tokens: 0 when recomputing the prefix, its length − 1 with a cache. */
  readonly start: number;
  /** The cache the previous step returned, or null (first step, or recomputing). Still the caller's. */
  readonly cache: DecoderCache | null;
  /** Return the present cache, for the next step to continue. */
  readonly useCache: boolean;
  readonly returnCrossAttentions: boolean;
}

export interface DecoderStepOutput {
  /** Logits of the next token [R, V], owned by the caller. */
  readonly logits: DeviceTensor<'float32'>;
  /** Per layer, cross-attention probabilities of the newest token [R, H, S], owned by the caller. */
  readonly crossAttentions?: DeviceTensor<'float32'>[];
  /** The present cache when `useCache`, else null; owned by the caller (`release` it). */
  readonly cache: DecoderCache | null;
}

/**
 * A model with one source batch already encoded (once, when the state was made): R rows, each reading its
 * own source row. The caller owns the state and every tensor its methods return, and calls `dispose()`.
 */
export interface DecodingState extends DecodingModel {
  readonly rows: number;
  /** S, the padded source length of the cross-attention maps. */
  readonly sourceLength: number;
  /** Real (unpadded) source length of every row. */
  readonly sourceLengths: readonly number[];
  /** Runs the decoder on new tokens of every row and projects the newest position to logits. */
  step(input: DecoderStepInput): DecoderStepOutput;
  /** Row r of the result is row `origins[r]` of `cache` (beam search). `cache` stays the caller's. */
  reorderCache(cache: DecoderCache, origins: readonly number[]): DecoderCache;
  /** Disposes the tensors of a cache. */
  release(cache: DecoderCache): void;
  /** Disposes the encoded source. Idempotent. */
  dispose(): void;
}
