/** Element types a device tensor can hold. Booleans are stored one byte per element on the host. */
export type DType = 'float32' | 'int32' | 'bool';

export interface HostArrayFor {
  float32: Float32Array;
  int32: Int32Array;
  bool: Uint8Array;
}
export type HostArray = HostArrayFor[DType];

/** A tensor on the host: row-major data plus its shape. */
export interface HostTensor<A extends HostArray = Float32Array> {
  readonly data: A;
  readonly shape: readonly number[];
}

/**
 * A tensor that lives on a backend's device (a GPU buffer, a texture, a tf.Tensor, a Float64Array).
 * Backends extend this with their own storage; callers only see the shape and dtype and hand it back
 * to the same backend. A tensor is released with `device.dispose(t)` (or by the backend's `dispose()`).
 */
export interface DeviceTensor<D extends DType = DType> {
  readonly shape: readonly number[];
  readonly dtype: D;
  /** The backend that owns the storage; tensors never cross backends implicitly. */
  readonly owner: object;
  readonly isDisposed: boolean;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function dtypeOfArray(data: HostArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'bool';
}
