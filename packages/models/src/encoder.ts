import type { DeviceTensor } from '@attnkit/core';
import { AttnkitError } from '@attnkit/core';
import type { NormPlacement, TransformerConfig } from './config.js';
import { MultiHeadAttention } from './layers/attention.js';
import { FeedForward } from './layers/feed-forward.js';
import { LayerNorm } from './layers/layer-norm.js';
import { type KeyPadding, keyValidLengths, symmetricAlibiMask } from './layers/masks.js';
import type { Ops } from './scope.js';
import type { Weights } from './weights/load.js';

/**
 * Notation: B batch · S padded source length · d model width · H heads
 *
 * A stack of bidirectional self-attention layers over right-padded input: padded keys are hidden (the
 * contract's kvValidLengths, so kernels that work in key blocks skip the padding, or the symmetric ALiBi bias
 * with −∞ on padding). Padded query rows are computed but never read by anything downstream.
 *
 *   pre-norm:  h = x + Attn(LN1(x));  y = h + FFN(LN2(h));  final LN after the last layer
 *   post-norm: h = LN1(x + Attn(x));  y = LN2(h + FFN(h))
 */
export class EncoderLayer {
  constructor(
    readonly selfAttention: MultiHeadAttention,
    readonly attentionNorm: LayerNorm,
    readonly feedForward: FeedForward,
    readonly feedForwardNorm: LayerNorm,
    readonly norm: NormPlacement,
  ) {}

  static from(weights: Weights, prefix: string, config: TransformerConfig): EncoderLayer {
    const eps = config.layer_norm_eps;
    return new EncoderLayer(
      MultiHeadAttention.from(weights, `${prefix}.self_attn`, config),
      LayerNorm.from(weights, `${prefix}.self_attn_layer_norm`, eps),
      FeedForward.from(weights, prefix, config.activation),
      LayerNorm.from(weights, `${prefix}.final_layer_norm`, eps),
      config.norm,
    );
  }

  forward(
    ops: Ops,
    x: DeviceTensor,
    padding: KeyPadding | undefined,
    returnScores: boolean,
    headMask?: readonly number[],
    probe?: DeviceTensor,
  ): { hidden: DeviceTensor<'float32'>; scores?: DeviceTensor<'float32'>; values?: DeviceTensor<'float32'> } {
    const pre = this.norm === 'pre';
    const attnIn = pre ? this.attentionNorm.forward(ops, x) : x;
    const keyValue = this.selfAttention.projectKeyValue(ops, attnIn);
    const attn = this.selfAttention.forward(ops, attnIn, {
      keyValue,
      ...padding,
      returnScores,
      ...(headMask && { headMask }),
      ...(probe && { probe }),
    });
    let h = ops.add(x, ops.dropout(attn.output));
    if (!pre) h = this.attentionNorm.forward(ops, h);
    const ffIn = pre ? this.feedForwardNorm.forward(ops, h) : h;
    let y = ops.add(h, ops.dropout(this.feedForward.forward(ops, ffIn)));
    if (!pre) y = this.feedForwardNorm.forward(ops, y);
    return { hidden: y, ...(attn.scores && { scores: attn.scores }), ...(probe && { values: keyValue.v }) };
  }
}

export interface EncoderOptions {
  readonly returnAttentions?: boolean;
  /** [layer][head] multipliers of each head's output (core's headMask per layer): 0 prunes a head. */
  readonly headMask?: readonly (readonly number[])[];
  /**
   * Per layer, a zero [B, S, Hq·Dh] added to the attention output before the output projection (see
   * AttentionCall.probe); the output then carries each layer's values. For gradient-weighted explanations.
   */
  readonly probes?: readonly DeviceTensor[];
}

export interface EncoderOutput {
  /** [B, S, d] */
  readonly hidden: DeviceTensor<'float32'>;
  /** Per layer, probabilities [B, H, S, S] (only when asked for). */
  readonly attentions?: DeviceTensor<'float32'>[];
  /** Per layer, the attention values [B, S, Hkv·Dh] (with probes only). */
  readonly values?: DeviceTensor<'float32'>[];
}

export class Encoder {
  constructor(
    readonly layers: readonly EncoderLayer[],
    readonly finalNorm: LayerNorm | null,
    readonly alibi: boolean,
    readonly numHeads: number,
  ) {}

  static from(weights: Weights, prefix: string, layers: number, config: TransformerConfig): Encoder {
    return new Encoder(
      Array.from({ length: layers }, (_, i) => EncoderLayer.from(weights, `${prefix}.layers.${i}`, config)),
      config.norm === 'pre' ? LayerNorm.from(weights, `${prefix}.layer_norm`, config.layer_norm_eps) : null,
      config.positions === 'alibi',
      config.num_heads,
    );
  }

  /** How right-padded rows of these lengths hide their padding, or undefined when nothing needs hiding. */
  padding(ops: Ops, lengths: readonly number[], S: number): KeyPadding | undefined {
    if (this.alibi) return { mask: symmetricAlibiMask(ops, lengths, S, this.numHeads) };
    const validLengths = keyValidLengths(ops, lengths, S);
    return validLengths && { validLengths };
  }

  /** embedded [B, S, d] → hidden [B, S, d]. */
  forward(
    ops: Ops,
    embedded: DeviceTensor,
    lengths: readonly number[],
    { returnAttentions = false, headMask, probes }: EncoderOptions = {},
  ): EncoderOutput {
    if (headMask && headMask.length !== this.layers.length) {
      throw new AttnkitError(
        'INVALID_ARGUMENT',
        `Encoder: headMask must have one row per layer (${this.layers.length}), got ${headMask.length}`,
        { argument: 'headMask', given: String(headMask.length) },
      );
    }
    if (probes && probes.length !== this.layers.length) {
      throw new AttnkitError(
        'INVALID_ARGUMENT',
        `Encoder: probes must have one tensor per layer (${this.layers.length}), got ${probes.length}`,
        { argument: 'probes', given: String(probes.length) },
      );
    }
    const padding = this.padding(ops, lengths, embedded.shape[1]);
    let hidden = embedded as DeviceTensor<'float32'>;
    const attentions: DeviceTensor<'float32'>[] = [];
    const values: DeviceTensor<'float32'>[] = [];
    for (const [l, layer] of this.layers.entries()) {
      const out = layer.forward(ops, hidden, padding, returnAttentions, headMask?.[l], probes?.[l]);
      hidden = out.hidden;
      if (out.scores) attentions.push(out.scores);
      if (out.values) values.push(out.values);
    }
    if (this.finalNorm) hidden = this.finalNorm.forward(ops, hidden);
    return { hidden, ...(returnAttentions && { attentions }), ...(probes && { values }) };
  }
}
