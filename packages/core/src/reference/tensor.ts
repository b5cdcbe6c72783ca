import type { DeviceTensor, DType } from '../contract/tensor.js';

/** The reference backend's storage: float tensors are held in float64, so every intermediate is exact to double. */
export type ReferenceData = Float64Array | Int32Array | Uint8Array;

export class ReferenceTensor<D extends DType = DType> implements DeviceTensor<D> {
  isDisposed = false;
  constructor(
    readonly owner: object,
    readonly shape: readonly number[],
    readonly dtype: D,
    readonly data: ReferenceData,
  ) {}

  get floats(): Float64Array {
    return this.data as Float64Array;
  }
}
