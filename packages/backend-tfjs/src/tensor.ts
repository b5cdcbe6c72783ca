import type { DeviceTensor, DType } from '@attnkit/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A device tensor of this backend: one tf.Tensor, owned by exactly one attnkit backend. A borrowed tensor
 * (`borrowTfTensor`) wraps a tf.Tensor that someone else owns, a tf.Variable being trained say: disposing
 * the device tensor releases the wrapper and leaves the tf.Tensor alone.
 */
export class TfjsTensor<D extends DType = DType> implements DeviceTensor<D> {
  #released = false;

  constructor(
    readonly owner: object,
    readonly shape: readonly number[],
    readonly dtype: D,
    readonly tensor: tf.Tensor,
    readonly borrowed = false,
  ) {}

  get isDisposed(): boolean {
    return this.#released || this.tensor.isDisposed;
  }

  /** Marks a borrowed tensor's wrapper released (its tf.Tensor stays with its owner). */
  release(): void {
    this.#released = true;
  }
}
