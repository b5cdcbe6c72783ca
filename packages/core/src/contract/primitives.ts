import type { DeviceTensor } from './tensor.js';

/**
 * The primitives a Transformer needs to run end to end on one device. Core validates every call and
 * hands the backend a plan with the resolved shapes; backends implement exactly this list.
 */

export type UnaryOp = 'relu' | 'gelu' | 'tanh';
export type BinaryOp = 'add' | 'mul';

export interface MatmulOptions {
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
  /** [N] bias added to every output row. */
  readonly bias?: DeviceTensor<'float32'>;
}

/**
 * a: [...batch, M, K] (or [...batch, K, M] with transposeA), b: [K, N] shared by every batch entry,
 * or [...batch, K, N] (or its transpose) with the same batch dimensions as a.
 */
export interface MatmulPlan {
  readonly batch: number;
  readonly M: number;
  readonly K: number;
  readonly N: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  /** False when b is a single [K, N] matrix shared by every batch entry. */
  readonly batchedB: boolean;
  readonly outShape: readonly number[];
}

/** Numpy broadcasting aligned from the right; strides are 0 on broadcast axes. */
export interface BroadcastPlan {
  readonly outShape: readonly number[];
  readonly aStrides: readonly number[];
  readonly bStrides: readonly number[];
}

/** A reduction over the last axis: `rows` rows of `width` elements. */
export interface RowsPlan {
  readonly rows: number;
  readonly width: number;
}

export interface SlicePlan {
  readonly axis: number;
  readonly start: number;
  readonly length: number;
  readonly outShape: readonly number[];
}

export interface ConcatPlan {
  readonly axis: number;
  readonly outShape: readonly number[];
}

export interface GatherPlan {
  readonly vocabulary: number;
  readonly width: number;
  readonly count: number;
  readonly outShape: readonly number[];
}

export interface TopKResult<T extends DeviceTensor = DeviceTensor> {
  readonly values: T;
  readonly indices: T;
}
