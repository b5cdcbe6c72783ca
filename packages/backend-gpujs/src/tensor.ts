import type { DeviceTensor, DType } from '@attnkit/core';

/**
 * What a gpu.js pipeline kernel returns: a texture on WebGL (with `toArray`/`delete`), a plain array on the
 * cpu/webasm modes. `null` stands for a tensor with no elements: WebGL cannot make a texture of size 0.
 */
export interface GpuTexture {
  toArray(): ArrayLike<number>;
  delete(): void;
}
export type GpuValue = GpuTexture | Float32Array;

/**
 * One texture shared by a tensor and its reshapes; released when the last holder lets go. `onFree` tells the
 * kernel cache that the kernel which made the texture no longer has to outlive it.
 */
export class Storage {
  private holders = 1;
  constructor(
    readonly value: GpuValue | null,
    readonly elements: number,
    private readonly onFree?: () => void,
  ) {}

  /** False once the texture is freed. */
  get isHeld(): boolean {
    return this.holders > 0;
  }

  retain(): this {
    this.holders++;
    return this;
  }

  /** True when this call freed the texture. A storage already freed stays freed (and is not freed twice). */
  release(): boolean {
    if (this.holders <= 0) return false;
    if (--this.holders > 0) return false;
    try {
      if (this.value && !(this.value instanceof Float32Array)) this.value.delete();
    } finally {
      this.onFree?.();
    }
    return true;
  }
}

/**
 * A gpu.js tensor. Every dtype is stored as float32 texels, one value per texel: int32 values are exact up
 * to ±2^24 (upload refuses larger ones), bool is 0 or 1.
 */
export class GpujsTensor<D extends DType = DType> implements DeviceTensor<D> {
  isDisposed = false;
  constructor(
    readonly owner: object,
    readonly shape: readonly number[],
    readonly dtype: D,
    readonly storage: Storage,
  ) {}

  get value(): GpuValue | null {
    return this.storage.value;
  }

  get elements(): number {
    return this.storage.elements;
  }
}

export function isTexture(value: GpuValue | null): value is GpuTexture {
  return value !== null && !(value instanceof Float32Array);
}
