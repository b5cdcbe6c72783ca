import {
  type ClassifierConfig,
  poolingWeights,
  sinusoidalTable,
  type TransformerConfig,
  type TranslatorConfig,
} from '@attnkit/models';
import * as tf from '@tensorflow/tfjs-core';
import { embed, feedForward, layerNorm, linear, MASKED, multiHeadAttention, type Params } from './layers.js';

/**
 * Teacher-forced forward passes of the models package's architectures (see packages/models: encoder.ts,
 * decoder.ts, classifier.ts), over right-padded host batches.
 *
 * Notation: B batch · S source length · T target length · d width · V vocabulary · C classes
 *
 *   encoder (pre-norm):  h ← h + Self(LN1(h), key padding);  h ← h + FFN(LN2(h));  final LN
 *   decoder (pre-norm):  g ← g + Self(LN1(g), causal);  g ← g + Cross(LN2(g), source padding);
 *                        g ← g + FFN(LN3(g));  final LN;  logits = g·W_lm + b
 * Post-norm configs put each LN after its residual sum instead, as the models do.
 *
 * Dropout (training only; absent in evaluation and in the models package): the embedding sum and every
 * sublayer's output before its residual add, zeroed with probability `rate` and the rest scaled by
 * 1/(1 − rate). The masks come from a host generator the caller seeds, so a resumed run replays them.
 */
export interface Dropout {
  readonly rate: number;
  /** Uniform [0, 1) numbers: mulberry32 seeded by the step. */
  readonly next: () => number;
}

export function dropTensor(x: tf.Tensor, dropout: Dropout | undefined): tf.Tensor {
  if (!dropout || dropout.rate === 0) return x;
  const keep = 1 / (1 - dropout.rate);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = dropout.next() < dropout.rate ? 0 : keep;
  return tf.mul(x, tf.tensor(mask, x.shape));
}
export interface PaddedBatch {
  /** [B·L] ids, row-major. */
  readonly ids: Int32Array;
  readonly lengths: readonly number[];
  readonly B: number;
  readonly L: number;
}

export function padRows(rows: readonly (readonly number[])[], pad: number): PaddedBatch {
  const L = Math.max(1, ...rows.map((r) => r.length));
  const ids = new Int32Array(rows.length * L).fill(pad);
  rows.forEach((r, b) => {
    ids.set(r, b * L);
  });
  return { ids, lengths: rows.map((r) => r.length), B: rows.length, L };
}

const tables = new Map<string, Float32Array>();
function positions(L: number, d: number): tf.Tensor {
  const key = `${L}x${d}`;
  if (!tables.has(key)) tables.set(key, sinusoidalTable(L, d));
  return tf.tensor2d(tables.get(key)!, [L, d]);
}

function embedTokens(p: Params, config: TransformerConfig, batch: PaddedBatch, dropout?: Dropout): tf.Tensor {
  const tokens = embed(p('embed_tokens.weight'), batch.ids, [batch.B, batch.L]);
  if (config.positions === 'sinusoidal') return dropTensor(tf.add(tokens, positions(batch.L, config.d_model)), dropout);
  if (config.positions === 'learned')
    return dropTensor(
      tf.add(tokens, tf.slice(p('embed_positions.weight'), [0, 0], [batch.L, config.d_model])),
      dropout,
    );
  throw new Error('training supports sinusoidal and learned positions');
}

/** Additive [B, 1, 1, L]: 0 on real keys, MASKED on padding. */
export function keyPaddingBias(batch: PaddedBatch): tf.Tensor {
  const data = new Float32Array(batch.B * batch.L);
  batch.lengths.forEach((length, b) => {
    data.fill(MASKED, b * batch.L + length, (b + 1) * batch.L);
  });
  return tf.tensor4d(data, [batch.B, 1, 1, batch.L]);
}

function causalBias(T: number): tf.Tensor {
  const data = new Float32Array(T * T);
  for (let i = 0; i < T; i++) data.fill(MASKED, i * T + i + 1, (i + 1) * T);
  return tf.tensor4d(data, [1, 1, T, T]);
}

function residual(
  config: TransformerConfig,
  p: Params,
  norm: string,
  x: tf.Tensor,
  block: (y: tf.Tensor) => tf.Tensor,
  dropout?: Dropout,
): tf.Tensor {
  const eps = config.layer_norm_eps;
  if (config.norm === 'pre') return tf.add(x, dropTensor(block(layerNorm(p, norm, x, eps)), dropout));
  return layerNorm(p, norm, tf.add(x, dropTensor(block(x), dropout)), eps);
}

export function encode(
  p: Params,
  config: TransformerConfig,
  layers: number,
  source: PaddedBatch,
  dropout?: Dropout,
): tf.Tensor {
  const mask = keyPaddingBias(source);
  let h = embedTokens(p, config, source, dropout);
  for (let i = 0; i < layers; i++) {
    const prefix = `encoder.layers.${i}`;
    h = residual(
      config,
      p,
      `${prefix}.self_attn_layer_norm`,
      h,
      (x) => multiHeadAttention(p, `${prefix}.self_attn`, x, x, mask, config.num_heads),
      dropout,
    );
    h = residual(
      config,
      p,
      `${prefix}.final_layer_norm`,
      h,
      (x) => feedForward(p, prefix, x, config.activation),
      dropout,
    );
  }
  return config.norm === 'pre' ? layerNorm(p, 'encoder.layer_norm', h, config.layer_norm_eps) : h;
}

/** decoder inputs [B, T] (BOS + target) → logits [B·T, V]. */
export function translatorLogits(
  p: Params,
  config: TranslatorConfig,
  source: PaddedBatch,
  decoderInput: PaddedBatch,
  dropout?: Dropout,
): tf.Tensor {
  return decoderLogits(
    p,
    config,
    encode(p, config, config.encoder_layers, source, dropout),
    keyPaddingBias(source),
    decoderInput,
    dropout,
  );
}

/** The decoder on an encoded source (memory [B, S, d], its key-padding bias) → logits [B·T, V]. */
export function decoderLogits(
  p: Params,
  config: TranslatorConfig,
  memory: tf.Tensor,
  sourceMask: tf.Tensor,
  decoderInput: PaddedBatch,
  dropout?: Dropout,
): tf.Tensor {
  const selfMask = causalBias(decoderInput.L);
  let g = embedTokens(p, config, decoderInput, dropout);
  for (let i = 0; i < config.decoder_layers; i++) {
    const prefix = `decoder.layers.${i}`;
    g = residual(
      config,
      p,
      `${prefix}.self_attn_layer_norm`,
      g,
      (x) => multiHeadAttention(p, `${prefix}.self_attn`, x, x, selfMask, config.num_heads),
      dropout,
    );
    g = residual(
      config,
      p,
      `${prefix}.encoder_attn_layer_norm`,
      g,
      (x) => multiHeadAttention(p, `${prefix}.encoder_attn`, x, memory, sourceMask, config.num_heads),
      dropout,
    );
    g = residual(
      config,
      p,
      `${prefix}.final_layer_norm`,
      g,
      (x) => feedForward(p, prefix, x, config.activation),
      dropout,
    );
  }
  if (config.norm === 'pre') g = layerNorm(p, 'decoder.layer_norm', g, config.layer_norm_eps);
  return linear(p, 'lm_head', tf.reshape(g, [decoderInput.B * decoderInput.L, config.d_model]));
}

/** Rows already carry the CLS token when pooling is 'cls'. → logits [B, C]. */
export function classifierLogits(
  p: Params,
  config: ClassifierConfig,
  input: PaddedBatch,
  dropout?: Dropout,
): tf.Tensor {
  const hidden = encode(p, config, config.num_layers, input, dropout);
  const { B, L } = input;
  const pooled =
    config.pooling === 'cls'
      ? tf.reshape(tf.slice(hidden, [0, 0, 0], [B, 1, config.d_model]), [B, config.d_model])
      : tf.reshape(
          tf.matMul(hidden, tf.tensor3d(poolingWeights(config.pooling, input.lengths, L), [B, L, 1]), true, false),
          [B, config.d_model],
        );
  return linear(p, 'classifier', tf.tanh(linear(p, 'pooler.dense', pooled)));
}
