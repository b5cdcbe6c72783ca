import type { AttentionOptions, DeviceTensor } from '@attnkit/core';
import { headsOf, type TransformerConfig } from '../config.js';
import type { Ops } from '../scope.js';
import type { Weights } from '../weights/load.js';
import { Linear } from './linear.js';

/**
 * Notation: B batch · Sq queries · Skv new keys · P cached keys · Hq/Hkv heads · Dh head size · d = Hq·Dh
 *
 * Multi-head attention over the contract's 3D layout: projections give q [B, Sq, Hq·Dh] and
 * k, v [B, Skv, Hkv·Dh], which go to `attention` as they are (qNumHeads/kvNumHeads), so no transposes
 * are needed. Hkv < Hq is grouped-query attention. Caches are the contract's 4D past/present [B, Hkv, T, Dh].
 */
export interface KeyValue {
  /** [B, Skv, Hkv·Dh] */
  readonly k: DeviceTensor<'float32'>;
  readonly v: DeviceTensor<'float32'>;
}

export interface KeyValueCache {
  /** [B, Hkv, P, Dh] */
  readonly key: DeviceTensor<'float32'>;
  readonly value: DeviceTensor<'float32'>;
}

export interface AttentionCall {
  /** Already projected keys/values (cross-attention on a fixed encoder output). */
  readonly keyValue: KeyValue;
  readonly mask?: DeviceTensor;
  /** [B] int32, the contract's kvValidLengths: keys past a row's length are hidden (right padding). */
  readonly validLengths?: DeviceTensor;
  readonly isCausal?: boolean;
  readonly alibi?: boolean;
  readonly past?: KeyValueCache | null;
  /** Ask for present keys/values even without a past (the first cached step). */
  readonly returnPresent?: boolean;
  /** Ask for the probabilities [B, Hq, Sq, T] (attention maps). */
  readonly returnScores?: boolean;
  /** [Hq] multipliers of each head's output (the contract's headMask): 0 removes a head. */
  readonly headMask?: readonly number[];
  /**
   * [B, Sq, Hq·Dh], added to the attention output (heads side by side, before the output projection): a zero
   * tensor to differentiate at, for gradient-weighted explanations (explain/gradient.ts).
   */
  readonly probe?: DeviceTensor;
}

export interface AttentionResult {
  /** [B, Sq, d] after the output projection. */
  readonly output: DeviceTensor<'float32'>;
  readonly present?: KeyValueCache;
  readonly scores?: DeviceTensor<'float32'>;
}

export class MultiHeadAttention {
  readonly headSize: number;

  constructor(
    readonly q: Linear,
    readonly k: Linear,
    readonly v: Linear,
    readonly o: Linear,
    readonly numHeads: number,
    readonly numKvHeads: number,
    /** The module's weight prefix (`encoder.layers.0.self_attn`), which head masks and pruning name it by. */
    readonly name = '',
  ) {
    this.headSize = q.weight.shape[1] / numHeads;
  }

  static from(weights: Weights, prefix: string, config: TransformerConfig): MultiHeadAttention {
    return new MultiHeadAttention(
      Linear.from(weights, `${prefix}.q_proj`),
      Linear.from(weights, `${prefix}.k_proj`),
      Linear.from(weights, `${prefix}.v_proj`),
      Linear.from(weights, `${prefix}.o_proj`),
      headsOf(config, prefix),
      config.pruned_heads?.[prefix] ? headsOf(config, prefix) : config.num_kv_heads,
      prefix,
    );
  }

  projectKeyValue(ops: Ops, source: DeviceTensor): KeyValue {
    return { k: this.k.forward(ops, source), v: this.v.forward(ops, source) };
  }

  forward(ops: Ops, query: DeviceTensor, call: AttentionCall): AttentionResult {
    const q = this.q.forward(ops, query);
    const headMask = call.headMask ?? ops.headMaskOf(this.name);
    const options: AttentionOptions = {
      qNumHeads: this.numHeads,
      kvNumHeads: this.numKvHeads,
      ...(call.isCausal && { isCausal: true }),
      ...(call.alibi && { alibi: true }),
      ...(call.returnPresent && !call.past && { returnPresent: true }),
      ...(call.returnScores && { scoresOutput: 'probabilities' as const }),
      ...(headMask && { headMask }),
    };
    const out = ops.attention(
      {
        q,
        k: call.keyValue.k,
        v: call.keyValue.v,
        ...(call.mask && { mask: call.mask }),
        ...(call.validLengths && { kvValidLengths: call.validLengths }),
        ...(call.past && { pastKey: call.past.key, pastValue: call.past.value }),
      },
      options,
    );
    return {
      output: this.o.forward(ops, call.probe ? ops.add(out.y, call.probe) : out.y),
      ...(out.presentKey && out.presentValue && { present: { key: out.presentKey, value: out.presentValue } }),
      ...(out.scores && { scores: out.scores }),
    };
  }
}
