import type { DeviceTensor, DType } from '@attnkit/core';

/** A tensor in the module's memory: `ptr` is the byte offset of its first element, row-major. */
export class WasmTensor<D extends DType = DType> implements DeviceTensor<D> {
  isDisposed = false;
  constructor(
    readonly owner: object,
    readonly shape: readonly number[],
    readonly dtype: D,
    readonly ptr: number,
    readonly size: number,
  ) {}

  /** Bytes of its data: 4 per element, 1 for bool. */
  get bytes(): number {
    return this.dtype === 'bool' ? this.size : this.size * 4;
  }
}
