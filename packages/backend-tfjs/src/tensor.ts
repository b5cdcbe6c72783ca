import type { DeviceTensor, DType } from '@attnkit/core';
import type * as tf from '@tensorflow/tfjs-core';

/** A device tensor of this backend: one tf.Tensor, owned by exactly one attnkit backend. */
export class TfjsTensor<D extends DType = DType> implements DeviceTensor<D> {
  constructor(
    readonly owner: object,
    readonly shape: readonly number[],
    readonly dtype: D,
    readonly tensor: tf.Tensor,
  ) {}

  get isDisposed(): boolean {
    return this.tensor.isDisposed;
  }
}
