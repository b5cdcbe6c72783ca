import { AttnkitError, type DeviceTensor } from '@attnkit/core';
import type { NormPlacement, TransformerConfig } from './config.js';
import { type KeyValue, type KeyValueCache, MultiHeadAttention } from './layers/attention.js';
import { FeedForward } from './layers/feed-forward.js';
import { LayerNorm } from './layers/layer-norm.js';
import type { Ops } from './scope.js';
import type { Weights } from './weights/load.js';

/**
 * Notation: B batch · St new target tokens · P cached target tokens · Ssrc source length · d width
 *
 * Causal self-attention (top-left aligned, so with a cache of P keys query i sees keys 0 … P + i, exactly
 * what the whole prefix would see), then cross-attention on the encoder output, then the feed-forward.
 * The cache is the contract's past/present: each call returns present = concat(past, new) per layer.
 *
 *   pre-norm:  h = x + Self(LN1(x));  g = h + Cross(LN2(h));  y = g + FFN(LN3(g));  final LN at the end
 *   post-norm: h = LN1(x + Self(x));  g = LN2(h + Cross(h));  y = LN3(g + FFN(g))
 */
export interface CrossAttentionSource {
  /** Per decoder layer, the encoder output projected by that layer's cross-attention: [B, Ssrc, Hkv·Dh]. */
  readonly keyValues: readonly KeyValue[];
  /** The source rows' lengths [B] (int32), or undefined without padding: padded source keys are hidden. */
  readonly validLengths?: DeviceTensor;
}

export interface DecoderCall {
  readonly cross: CrossAttentionSource;
  /** Per layer; null for the first step or when recomputing the whole prefix. */
  readonly cache: readonly KeyValueCache[] | null;
  /** Return the present cache (the caller decodes incrementally). */
  readonly useCache: boolean;
  readonly returnCrossAttentions: boolean;
  /**
   * Per layer, a zero [B, St, Hq·Dh] added to the cross-attention output before its output projection (see
   * AttentionCall.probe); the output then carries each layer's cross values. For gradient-weighted explanations.
   */
  readonly probes?: readonly DeviceTensor[];
}

export interface DecoderOutput {
  /** [B, St, d] */
  readonly hidden: DeviceTensor<'float32'>;
  readonly cache?: KeyValueCache[];
  /** Per layer, probabilities [B, H, St, Ssrc]. */
  readonly crossAttentions?: DeviceTensor<'float32'>[];
  /** Per layer, the cross-attention values [B, Ssrc, Hkv·Dh] (with probes only). */
  readonly crossValues?: DeviceTensor<'float32'>[];
}

export class DecoderLayer {
  constructor(
    readonly selfAttention: MultiHeadAttention,
    readonly selfNorm: LayerNorm,
    readonly crossAttention: MultiHeadAttention,
    readonly crossNorm: LayerNorm,
    readonly feedForward: FeedForward,
    readonly feedForwardNorm: LayerNorm,
    readonly norm: NormPlacement,
    readonly alibi: boolean,
  ) {}

  static from(weights: Weights, prefix: string, config: TransformerConfig): DecoderLayer {
    const eps = config.layer_norm_eps;
    return new DecoderLayer(
      MultiHeadAttention.from(weights, `${prefix}.self_attn`, config),
      LayerNorm.from(weights, `${prefix}.self_attn_layer_norm`, eps),
      MultiHeadAttention.from(weights, `${prefix}.encoder_attn`, config),
      LayerNorm.from(weights, `${prefix}.encoder_attn_layer_norm`, eps),
      FeedForward.from(weights, prefix, config.activation),
      LayerNorm.from(weights, `${prefix}.final_layer_norm`, eps),
      config.norm,
      config.positions === 'alibi',
    );
  }

  forward(
    ops: Ops,
    x: DeviceTensor,
    crossKeyValue: KeyValue,
    call: DecoderCall,
    past: KeyValueCache | null,
    crossProbe?: DeviceTensor,
  ) {
    const pre = this.norm === 'pre';
    const selfIn = pre ? this.selfNorm.forward(ops, x) : x;
    const self = this.selfAttention.forward(ops, selfIn, {
      keyValue: this.selfAttention.projectKeyValue(ops, selfIn),
      isCausal: true,
      alibi: this.alibi,
      past,
      returnPresent: call.useCache,
    });
    let h = ops.add(x, ops.dropout(self.output));
    if (!pre) h = this.selfNorm.forward(ops, h);

    const crossIn = pre ? this.crossNorm.forward(ops, h) : h;
    const cross = this.crossAttention.forward(ops, crossIn, {
      keyValue: crossKeyValue,
      ...(call.cross.validLengths && { validLengths: call.cross.validLengths }),
      returnScores: call.returnCrossAttentions,
      ...(crossProbe && { probe: crossProbe }),
    });
    let g = ops.add(h, ops.dropout(cross.output));
    if (!pre) g = this.crossNorm.forward(ops, g);

    const ffIn = pre ? this.feedForwardNorm.forward(ops, g) : g;
    let y = ops.add(g, ops.dropout(this.feedForward.forward(ops, ffIn)));
    if (!pre) y = this.feedForwardNorm.forward(ops, y);
    return {
      hidden: y,
      present: self.present,
      crossScores: cross.scores,
      ...(crossProbe && { crossValues: crossKeyValue.v }),
    };
  }
}

export class Decoder {
  constructor(
    readonly layers: readonly DecoderLayer[],
    readonly finalNorm: LayerNorm | null,
  ) {}

  static from(weights: Weights, prefix: string, layers: number, config: TransformerConfig): Decoder {
    return new Decoder(
      Array.from({ length: layers }, (_, i) => DecoderLayer.from(weights, `${prefix}.layers.${i}`, config)),
      config.norm === 'pre' ? LayerNorm.from(weights, `${prefix}.layer_norm`, config.layer_norm_eps) : null,
    );
  }

  /** Projects the encoder output once for every layer's cross-attention. */
  crossSource(ops: Ops, encoderHidden: DeviceTensor, validLengths: DeviceTensor | undefined): CrossAttentionSource {
    return {
      keyValues: this.layers.map((layer) => layer.crossAttention.projectKeyValue(ops, encoderHidden)),
      ...(validLengths && { validLengths }),
    };
  }

  /** embedded [B, St, d] of the tokens at positions P … P + St − 1 → hidden [B, St, d]. */
  forward(ops: Ops, embedded: DeviceTensor, call: DecoderCall): DecoderOutput {
    if (call.probes && call.probes.length !== this.layers.length) {
      throw new AttnkitError(
        'INVALID_ARGUMENT',
        `Decoder: probes must have one tensor per layer (${this.layers.length}), got ${call.probes.length}`,
        { argument: 'probes', given: String(call.probes.length) },
      );
    }
    let hidden = embedded as DeviceTensor<'float32'>;
    const cache: KeyValueCache[] = [];
    const crossAttentions: DeviceTensor<'float32'>[] = [];
    const crossValues: DeviceTensor<'float32'>[] = [];
    this.layers.forEach((layer, i) => {
      const out = layer.forward(ops, hidden, call.cross.keyValues[i], call, call.cache?.[i] ?? null, call.probes?.[i]);
      hidden = out.hidden;
      if (out.present) cache.push(out.present);
      if (out.crossScores) crossAttentions.push(out.crossScores);
      if (out.crossValues) crossValues.push(out.crossValues);
    });
    if (this.finalNorm) hidden = this.finalNorm.forward(ops, hidden);
    return {
      hidden,
      ...(call.useCache && { cache }),
      ...(call.returnCrossAttentions && { crossAttentions }),
      ...(call.probes && { crossValues }),
    };
  }
}
