import type { DeviceTensor, DType } from '@attnkit/core';

/** A device tensor backed by one pooled GPU buffer, one 4-byte word per element (bool included). */
export class WebGpuTensor implements DeviceTensor {
  isDisposed = false;

  constructor(
    readonly owner: object,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly buffer: GPUBuffer,
    readonly size: number,
  ) {}

  get bytes(): number {
    return this.size * 4;
  }
}
