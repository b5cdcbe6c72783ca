import type { DeviceTensor, HostTensor } from './tensor.js';

/**
 * Notation (see CONTRACT.md):
 *   B batch · Hq query heads · Hkv key/value heads · Sq new queries · Skv new keys · P past keys
 *   T = P + Skv total keys · D head size of q and k · Dv head size of v
 */

export type CausalAlignment = 'top-left' | 'bottom-right';
export type ScoresOutputMode = 'none' | 'raw' | 'softcapped' | 'masked' | 'probabilities';
export type Precision = 'float32' | 'float16';
export type MaskKind = 'boolean' | 'additive';

export const SCORES_OUTPUT_MODES: readonly ScoresOutputMode[] = [
  'none',
  'raw',
  'softcapped',
  'masked',
  'probabilities',
];
export const CAUSAL_ALIGNMENTS: readonly CausalAlignment[] = ['top-left', 'bottom-right'];
export const PRECISIONS: readonly Precision[] = ['float32', 'float16'];

export interface AttentionWindow {
  /** Keys visible to the left of the aligned diagonal; omitted or Infinity: unbounded. */
  readonly left?: number;
  /** Keys visible to the right of the aligned diagonal; omitted or Infinity: unbounded. */
  readonly right?: number;
}

export interface AttentionOptions {
  /** Scores are scale · q·kᵀ. Default 1/√D. */
  readonly scale?: number;
  readonly isCausal?: boolean;
  /** (ext) Default 'top-left', as ONNX and PyTorch `is_causal`. */
  readonly causalAlignment?: CausalAlignment;
  /** c > 0: s → c·tanh(s/c), after scaling and before any mask. 0 (default) is off. */
  readonly softcap?: number;
  /** (ext) Sliding window around the aligned diagonal. */
  readonly window?: AttentionWindow;
  /** (ext) Linear position bias −slope_h·(i + offset − j); `true` uses the ALiBi paper's slopes. */
  readonly alibi?: boolean | { readonly slopes: ArrayLike<number> };
  /** (ext) [Hq] multipliers applied to each head's output; 0 prunes a head. */
  readonly headMask?: ArrayLike<number>;
  readonly scoresOutput?: ScoresOutputMode;
  readonly precision?: Precision;
  /** Required with 3D inputs [B, S, H·D]. */
  readonly qNumHeads?: number;
  readonly kvNumHeads?: number;
  /** Return presentKey/presentValue even without a past cache. */
  readonly returnPresent?: boolean;
}

export const ATTENTION_OPTION_KEYS: readonly (keyof AttentionOptions)[] = [
  'scale',
  'isCausal',
  'causalAlignment',
  'softcap',
  'window',
  'alibi',
  'headMask',
  'scoresOutput',
  'precision',
  'qNumHeads',
  'kvNumHeads',
  'returnPresent',
];

/** Host inputs of the one-shot API `attention(backend, inputs, options)`. */
export interface HostAttentionInputs {
  readonly q: HostTensor;
  readonly k: HostTensor;
  readonly v: HostTensor;
  readonly mask?: HostTensor<Float32Array | Uint8Array> & { readonly kind: MaskKind };
  readonly pastKey?: HostTensor;
  readonly pastValue?: HostTensor;
  readonly kvValidLengths?: Int32Array;
}

export interface HostAttentionOutputs {
  readonly y: HostTensor;
  readonly presentKey?: HostTensor;
  readonly presentValue?: HostTensor;
  readonly scores?: HostTensor;
}

/**
 * Device inputs. A mask's kind follows its dtype: `bool` is a boolean mask (true = may attend),
 * `float32` is an additive mask.
 */
export interface DeviceAttentionInputs<T extends DeviceTensor = DeviceTensor> {
  readonly q: T;
  readonly k: T;
  readonly v: T;
  readonly mask?: T;
  readonly pastKey?: T;
  readonly pastValue?: T;
  readonly kvValidLengths?: T;
}

export interface DeviceAttentionOutputs<T extends DeviceTensor = DeviceTensor> {
  readonly y: T;
  readonly presentKey?: T;
  readonly presentValue?: T;
  readonly scores?: T;
}

/** Everything a backend needs to run one validated attention call, resolved by core. */
export interface AttentionPlan {
  readonly B: number;
  readonly Hq: number;
  readonly Hkv: number;
  /** Hq / Hkv: query head h reads key/value head ⌊h / groupSize⌋. */
  readonly groupSize: number;
  readonly Sq: number;
  readonly Skv: number;
  readonly P: number;
  readonly T: number;
  readonly D: number;
  readonly Dv: number;
  /** '3d': q/k/v/y are [B, S, H·D]; '4d': [B, H, S, D]. Past and present are always 4D. */
  readonly layout: '3d' | '4d';
  readonly scale: number;
  /** 0 when off. */
  readonly softcap: number;
  readonly isCausal: boolean;
  readonly causalAlignment: CausalAlignment;
  /** Window bounds around the diagonal; Infinity for an unbounded side; null when no window. */
  readonly window: { readonly left: number; readonly right: number } | null;
  /** One slope per query head, or null. */
  readonly alibiSlopes: Float32Array | null;
  /** One multiplier per query head, or null. */
  readonly headMask: Float32Array | null;
  readonly mask: MaskPlan | null;
  readonly hasPast: boolean;
  readonly hasValidLengths: boolean;
  readonly returnPresent: boolean;
  readonly scoresOutput: ScoresOutputMode;
  readonly precision: Precision;
  /** The aligned diagonal of every batch entry (offsets.ts): offset_b = base + (addsValidLength ? vl_b : 0). */
  readonly diagonal: DiagonalRule;
  /** Where each head row lives in q, k, v, y and the present caches (strides.ts). */
  readonly strides: AttentionStrides;
  readonly yShape: readonly number[];
  readonly presentKeyShape: readonly number[] | null;
  readonly presentValueShape: readonly number[] | null;
  readonly scoresShape: readonly number[] | null;
}

/**
 * The diagonal offset rule of CONTRACT.md resolved for one call: query i of batch entry b is aligned with
 * key i + offset_b, where
 *   offset_b = base + (addsValidLength ? vl_b : 0)      vl_b = kvValidLengths[b] clamped to [0, T]
 * Only top-left alignment with kvValidLengths depends on b, and then through data that a device backend
 * keeps on the device, so the plan carries this rule rather than an array of offsets.
 */
export interface DiagonalRule {
  readonly base: number;
  readonly addsValidLength: boolean;
}

/**
 * Element strides of (batch, head, position) into a tensor of heads: element d of head row (b, h, s) is at
 * b·strides[0] + h·strides[1] + s·strides[2] + d. Every head row is contiguous, in either layout.
 */
export type HeadStrides = readonly [number, number, number];

/**
 * Head strides of each attention tensor. q, k, v and y follow the call's layout ('4d' [B,H,S,W] or
 * '3d' [B,S,H·W]); the present caches concat(past, new) are always 4D [B,Hkv,T,D|Dv], and describe a
 * backend's concatenated keys and values even when they are not returned.
 */
export interface AttentionStrides {
  readonly q: HeadStrides;
  readonly k: HeadStrides;
  readonly v: HeadStrides;
  readonly y: HeadStrides;
  readonly presentKey: HeadStrides;
  readonly presentValue: HeadStrides;
}

/**
 * The mask as given, padded on the left to 4D [mB, mH, mSq, mT] with numpy broadcasting on the first
 * three axes. The key axis is never broadcast (as in ONNX): keys j ≥ mT count as masked.
 * `strides` are element strides into the mask data, 0 on broadcast axes.
 */
export interface MaskPlan {
  readonly kind: MaskKind;
  readonly shape4: readonly [number, number, number, number];
  readonly strides: readonly [number, number, number, number];
}
