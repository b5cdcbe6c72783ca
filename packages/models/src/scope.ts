import {
  type AttentionOptions,
  AttnkitError,
  type Device,
  type DeviceAttentionInputs,
  type DeviceAttentionOutputs,
  type DeviceTensor,
  type DType,
  type MatmulOptions,
  type TopKResult,
} from '@attnkit/core';

/**
 * Training-time dropout (Srivastava et al. 2014): each value is zeroed with probability `rate` and the rest
 * scaled by 1/(1 − rate). The masks come from `next`, uniform numbers in [0, 1) that the caller seeds, so a
 * resumed training run replays them. Inference never passes one.
 */
export interface Dropout {
  readonly rate: number;
  readonly next: () => number;
}

/**
 * The device API with ownership: every tensor an op returns is registered in the innermost open
 * `tidy` frame, and the frame disposes it when it closes unless the frame's result contains it (then it
 * moves to the enclosing frame, like tf.tidy). Outside any frame the caller owns the result.
 * Forward passes are synchronous (only `read` is async), so frames never span an await.
 */
export class Ops {
  private readonly frames: Set<DeviceTensor>[] = [];
  private training: Dropout | null = null;
  private headMasks: Readonly<Record<string, readonly number[]>> | null = null;

  constructor(readonly device: Device) {}

  /**
   * Runs `fn` with dropout on (a training forward pass): every `dropout(x)` of the models then draws a mask.
   * Off again afterwards, even when `fn` throws. Without a dropout (or at rate 0) `fn` just runs.
   */
  withDropout<R>(dropout: Dropout | undefined, fn: () => R): R {
    if (!dropout || dropout.rate === 0) return fn();
    if (
      typeof dropout.rate !== 'number' ||
      !(dropout.rate > 0 && dropout.rate < 1) ||
      typeof dropout.next !== 'function'
    )
      throw new AttnkitError(
        'INVALID_ARGUMENT',
        `dropout: rate must be a number in [0, 1) and next a function, got rate ${String(dropout.rate)}`,
        { argument: 'dropout', expected: 'rate in [0, 1)', given: String(dropout.rate) },
      );
    const outer = this.training;
    this.training = dropout;
    try {
      return fn();
    } finally {
      this.training = outer;
    }
  }

  /**
   * Runs `fn` with head masks by attention module (`decoder.layers.0.encoder_attn` → one gain per head): the
   * models' attention layers read theirs with `headMaskOf`. Off again afterwards, even when `fn` throws. The
   * caller validates the masks against its config (Seq2SeqTranslator does).
   */
  withHeadMasks<R>(masks: Readonly<Record<string, readonly number[]>> | undefined, fn: () => R): R {
    if (!masks) return fn();
    const outer = this.headMasks;
    this.headMasks = masks;
    try {
      return fn();
    } finally {
      this.headMasks = outer;
    }
  }

  /** The head mask of an attention module inside `withHeadMasks`, else undefined. */
  headMaskOf(module: string): readonly number[] | undefined {
    return this.headMasks?.[module];
  }

  /** x itself outside `withDropout`; inside it, x times a fresh dropout mask. */
  dropout(x: DeviceTensor<'float32'>): DeviceTensor<'float32'> {
    const d = this.training;
    if (!d) return x;
    const keep = 1 / (1 - d.rate);
    const mask = new Float32Array(x.shape.reduce((n, s) => n * s, 1));
    for (let i = 0; i < mask.length; i++) mask[i] = d.next() < d.rate ? 0 : keep;
    return this.mul(x, this.upload(mask, x.shape));
  }

  tidy<R>(fn: () => R): R {
    const frame = new Set<DeviceTensor>();
    this.frames.push(frame);
    let result: R;
    try {
      result = fn();
      if (result instanceof Promise) {
        throw new AttnkitError('INVALID_ARGUMENT', 'tidy: the function must be synchronous (it returned a Promise)', {
          argument: 'fn',
        });
      }
    } catch (error) {
      this.frames.pop();
      this.device.dispose(...frame);
      throw error;
    }
    this.frames.pop();
    const kept = new Set<DeviceTensor>();
    collectTensors(result, kept);
    const parent = this.frames.at(-1);
    for (const t of frame) {
      if (kept.has(t)) parent?.add(t);
      else this.device.dispose(t);
    }
    return result;
  }

  /** Registers a tensor made elsewhere (an upload) in the open frame. */
  track<T extends DeviceTensor>(t: T): T {
    this.frames.at(-1)?.add(t);
    return t;
  }

  /** Takes a tensor out of every open frame: the caller now owns it. */
  keep<T extends DeviceTensor>(t: T): T {
    for (const frame of this.frames) frame.delete(t);
    return t;
  }

  upload(data: Float32Array, shape: readonly number[]): DeviceTensor<'float32'>;
  upload(data: Int32Array, shape: readonly number[]): DeviceTensor<'int32'>;
  upload(data: Uint8Array, shape: readonly number[]): DeviceTensor<'bool'>;
  upload(data: Float32Array | Int32Array | Uint8Array, shape: readonly number[]): DeviceTensor {
    return this.track(this.device.upload(data, shape) as DeviceTensor);
  }

  attention(inputs: DeviceAttentionInputs, options: AttentionOptions): DeviceAttentionOutputs<DeviceTensor<'float32'>> {
    const out = this.device.attention(inputs, options);
    for (const t of [out.y, out.presentKey, out.presentValue, out.scores]) if (t) this.track(t);
    return out;
  }

  matmul(a: DeviceTensor, b: DeviceTensor, options?: MatmulOptions): DeviceTensor<'float32'> {
    return this.track(this.device.matmul(a, b, options));
  }
  add(a: DeviceTensor, b: DeviceTensor): DeviceTensor<'float32'> {
    return this.track(this.device.add(a, b));
  }
  mul(a: DeviceTensor, b: DeviceTensor): DeviceTensor<'float32'> {
    return this.track(this.device.mul(a, b));
  }
  scale(x: DeviceTensor, factor: number): DeviceTensor<'float32'> {
    return this.track(this.device.scale(x, factor));
  }
  relu(x: DeviceTensor): DeviceTensor<'float32'> {
    return this.track(this.device.relu(x));
  }
  gelu(x: DeviceTensor): DeviceTensor<'float32'> {
    return this.track(this.device.gelu(x));
  }
  tanh(x: DeviceTensor): DeviceTensor<'float32'> {
    return this.track(this.device.tanh(x));
  }
  softmax(x: DeviceTensor): DeviceTensor<'float32'> {
    return this.track(this.device.softmax(x));
  }
  logSoftmax(x: DeviceTensor): DeviceTensor<'float32'> {
    return this.track(this.device.logSoftmax(x));
  }
  layerNorm(x: DeviceTensor, gamma: DeviceTensor, beta: DeviceTensor, epsilon: number): DeviceTensor<'float32'> {
    return this.track(this.device.layerNorm(x, gamma, beta, epsilon));
  }
  gather(table: DeviceTensor, ids: DeviceTensor): DeviceTensor<'float32'> {
    return this.track(this.device.gather(table, ids));
  }
  concat<D extends DType>(tensors: readonly DeviceTensor<D>[], axis: number): DeviceTensor<D> {
    return this.track(this.device.concat(tensors, axis));
  }
  slice<D extends DType>(x: DeviceTensor<D>, axis: number, start: number, length: number): DeviceTensor<D> {
    return this.track(this.device.slice(x, axis, start, length));
  }
  reshape<D extends DType>(x: DeviceTensor<D>, shape: readonly number[]): DeviceTensor<D> {
    return this.track(this.device.reshape(x, shape));
  }
  argmax(x: DeviceTensor): DeviceTensor<'int32'> {
    return this.track(this.device.argmax(x));
  }
  topK(x: DeviceTensor, k: number): TopKResult<DeviceTensor> {
    const out = this.device.topK(x, k);
    this.track(out.values);
    this.track(out.indices);
    return out;
  }

  /**
   * Selects batch entries: x [N, ...rest] → [rows.length, ...rest], row i = x[rows[i]]. Written with
   * gather on a [N, prod(rest)] view, since the device API has no index-select on other axes.
   */
  selectRows(x: DeviceTensor<'float32'>, rows: readonly number[]): DeviceTensor<'float32'> {
    const [n, ...rest] = x.shape;
    const width = rest.reduce((p, d) => p * d, 1);
    return this.tidy(() => {
      const table = this.reshape(x, [n, width]);
      const ids = this.upload(Int32Array.from(rows), [rows.length]);
      return this.reshape(this.gather(table, ids), [rows.length, ...rest]);
    });
  }
}

export function isDeviceTensor(value: unknown): value is DeviceTensor {
  return (
    typeof value === 'object' &&
    value !== null &&
    'owner' in value &&
    'dtype' in value &&
    Array.isArray((value as DeviceTensor).shape) &&
    'isDisposed' in value
  );
}

/** Every device tensor reachable through arrays, plain objects and Maps. */
export function collectTensors(value: unknown, into: Set<DeviceTensor>): void {
  if (isDeviceTensor(value)) {
    into.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collectTensors(item, into);
    return;
  }
  if (value instanceof Map) {
    for (const item of value.values()) collectTensors(item, into);
    return;
  }
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) collectTensors(item, into);
  }
}

/** Disposes every device tensor inside a value (an encoded source, a cache, a step output), each once. */
export function disposeTensors(device: Device, value: unknown): void {
  const tensors = new Set<DeviceTensor>();
  collectTensors(value, tensors);
  device.dispose(...tensors);
}
