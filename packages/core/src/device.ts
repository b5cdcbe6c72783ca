import type { AttentionOptions, DeviceAttentionInputs, DeviceAttentionOutputs } from './contract/attention.js';
import { type Backend, type MemoryInfo, SPECIFICATION_VERSION } from './contract/backend.js';
import type { BinaryOp, MatmulOptions, TopKResult, UnaryOp } from './contract/primitives.js';
import { type DeviceTensor, type DType, dtypeOfArray, type HostArrayFor, sizeOf } from './contract/tensor.js';
import { AttnkitError, deviceLimitError, invalidArgument, shapeError } from './errors.js';
import { planAttention } from './validate/attention.js';
import {
  planConcat,
  planGather,
  planLayerNorm,
  planMatmul,
  planReshape,
  planRows,
  planSlice,
  planTopK,
} from './validate/primitives.js';
import { broadcastShapes, checkDType, checkOwned, checkShapeArray } from './validate/shapes.js';

/**
 * The device-resident API: tensors stay on the backend's device across calls, and every call is
 * validated here, once, before the backend queues any work. Models are written against this class.
 */
export class Device<T extends DeviceTensor = DeviceTensor> {
  /**
   * Tensors created through this device. A backend assembled from another one (`{ ...reference, kernels }`,
   * as test fixtures do) shares its kernels, so its tensors name the original as owner; they still belong here.
   */
  private readonly made = new WeakSet<object>();

  constructor(readonly backend: Backend<T>) {}

  upload<A extends Float32Array | Int32Array | Uint8Array>(
    data: A,
    shape: readonly number[],
  ): DeviceTensor<DTypeOf<A>> {
    this.checkAlive('upload');
    if (!(data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array)) {
      throw invalidArgument('upload', 'data', 'a Float32Array, Int32Array or Uint8Array', data);
    }
    checkShapeArray('upload', 'data', shape);
    if (sizeOf(shape) !== data.length) {
      throw shapeError('upload', 'data', `${data.length} elements`, shape, 'shape and data length disagree');
    }
    this.checkFits('upload', 'data', shape);
    return this.adopt(this.backend.kernels.upload(data, [...shape], dtypeOfArray(data)));
  }

  async read<D extends DType>(tensor: DeviceTensor<D>): Promise<HostArrayFor[D]> {
    this.checkAlive('read');
    this.own('read', 'tensor', tensor);
    return (await this.backend.kernels.read(tensor as unknown as T)) as HostArrayFor[D];
  }

  /** Releases tensors; disposing one twice is a no-op. */
  dispose(...tensors: (DeviceTensor | undefined | null)[]): void {
    for (const t of tensors) {
      if (!t || t.isDisposed || this.backend.isDisposed) continue;
      this.own('dispose', 'tensor', t);
      this.backend.kernels.dispose(t as T);
    }
  }

  memory(): MemoryInfo {
    return this.backend.kernels.memory();
  }

  /**
   * Attention on device tensors. Shapes, dtypes and options are validated; values are not (that would need a
   * synchronous read-back): kvValidLengths clamp to [0, T], and non-finite values are not refused, so the rows
   * that read them are unspecified (CONTRACT.md, "Edges"). The host API `attention()` refuses both instead.
   */
  attention(
    inputs: DeviceAttentionInputs,
    options: AttentionOptions = {},
  ): DeviceAttentionOutputs<DeviceTensor<'float32'>> {
    this.checkAlive('attention');
    if (typeof inputs !== 'object' || inputs === null)
      throw invalidArgument('attention', 'inputs', 'an object { q, k, v, ... }', inputs);
    for (const name of ['q', 'k', 'v'] as const) {
      if (inputs[name] === undefined) throw invalidArgument('attention', name, 'a device tensor', undefined);
    }
    for (const [name, t] of Object.entries(inputs)) {
      if (!['q', 'k', 'v', 'mask', 'pastKey', 'pastValue', 'kvValidLengths'].includes(name)) {
        throw invalidArgument(
          'attention',
          `inputs.${name}`,
          'one of q, k, v, mask, pastKey, pastValue, kvValidLengths',
          name,
        );
      }
      if (t !== undefined) this.own('attention', name, t);
    }
    const plan = planAttention(inputs, options, this.backend.capabilities);
    const { y, presentKey, presentValue, scores } = this.backend.kernels.attention(
      inputs as DeviceAttentionInputs<T>,
      plan,
    );
    return {
      y: this.adopt(y),
      ...(presentKey && { presentKey: this.adopt(presentKey) }),
      ...(presentValue && { presentValue: this.adopt(presentValue) }),
      ...(scores && { scores: this.adopt(scores) }),
    };
  }

  matmul(a: DeviceTensor, b: DeviceTensor, options: MatmulOptions = {}): DeviceTensor<'float32'> {
    this.checkAlive('matmul');
    this.own('matmul', 'a', a);
    this.own('matmul', 'b', b);
    checkMatmulOptions(options);
    if (options.bias) this.own('matmul', 'bias', options.bias);
    const plan = planMatmul(a, b, options);
    this.checkFits('matmul', 'output', plan.outShape);
    return this.adopt(this.backend.kernels.matmul(a as T, b as T, (options.bias as T | undefined) ?? null, plan));
  }

  add(a: DeviceTensor, b: DeviceTensor): DeviceTensor<'float32'> {
    return this.binary('add', a, b);
  }

  mul(a: DeviceTensor, b: DeviceTensor): DeviceTensor<'float32'> {
    return this.binary('mul', a, b);
  }

  scale(x: DeviceTensor, factor: number): DeviceTensor<'float32'> {
    this.checkAlive('scale');
    this.own('scale', 'x', x);
    checkDType('scale', 'x', x, ['float32']);
    if (typeof factor !== 'number' || !Number.isFinite(factor))
      throw invalidArgument('scale', 'factor', 'a finite number', factor);
    return this.adopt(this.backend.kernels.scale(x as T, factor));
  }

  relu(x: DeviceTensor): DeviceTensor<'float32'> {
    return this.unary('relu', x);
  }

  /** The exact GELU, x·Φ(x) with the error function (not the tanh approximation). */
  gelu(x: DeviceTensor): DeviceTensor<'float32'> {
    return this.unary('gelu', x);
  }

  tanh(x: DeviceTensor): DeviceTensor<'float32'> {
    return this.unary('tanh', x);
  }

  softmax(x: DeviceTensor): DeviceTensor<'float32'> {
    this.checkAlive('softmax');
    this.own('softmax', 'x', x);
    return this.adopt(this.backend.kernels.softmax(x as T, planRows('softmax', x), false));
  }

  logSoftmax(x: DeviceTensor): DeviceTensor<'float32'> {
    this.checkAlive('logSoftmax');
    this.own('logSoftmax', 'x', x);
    return this.adopt(this.backend.kernels.softmax(x as T, planRows('logSoftmax', x), true));
  }

  layerNorm(x: DeviceTensor, gamma: DeviceTensor, beta: DeviceTensor, epsilon = 1e-5): DeviceTensor<'float32'> {
    this.checkAlive('layerNorm');
    this.own('layerNorm', 'x', x);
    this.own('layerNorm', 'gamma', gamma);
    this.own('layerNorm', 'beta', beta);
    const plan = planLayerNorm(x, gamma, beta, epsilon);
    return this.adopt(this.backend.kernels.layerNorm(x as T, gamma as T, beta as T, epsilon, plan));
  }

  /**
   * Embedding lookup: table [V, E], int32 ids [...] → [..., E]. The ids stay on the device, so they are not
   * checked: an id outside [0, V) gives a zero row on every backend (CONTRACT.md, "Edges").
   */
  gather(table: DeviceTensor, ids: DeviceTensor): DeviceTensor<'float32'> {
    this.checkAlive('gather');
    this.own('gather', 'table', table);
    this.own('gather', 'ids', ids);
    const plan = planGather(table, ids);
    this.checkFits('gather', 'output', plan.outShape);
    return this.adopt(this.backend.kernels.gather(table as T, ids as T, plan));
  }

  concat<D extends DType>(tensors: readonly DeviceTensor<D>[], axis: number): DeviceTensor<D> {
    this.checkAlive('concat');
    if (Array.isArray(tensors)) {
      tensors.forEach((t, i) => {
        this.own('concat', `tensors[${i}]`, t);
      });
    }
    const plan = planConcat(tensors, axis);
    this.checkFits('concat', 'output', plan.outShape);
    return this.adopt(this.backend.kernels.concat(tensors as unknown as T[], plan));
  }

  slice<D extends DType>(x: DeviceTensor<D>, axis: number, start: number, length: number): DeviceTensor<D> {
    this.checkAlive('slice');
    this.own('slice', 'x', x);
    return this.adopt(this.backend.kernels.slice(x as unknown as T, planSlice(x, axis, start, length)));
  }

  /** A new tensor with the same data and a new shape (one -1 is inferred). Dispose it like any other. */
  reshape<D extends DType>(x: DeviceTensor<D>, shape: readonly number[]): DeviceTensor<D> {
    this.checkAlive('reshape');
    this.own('reshape', 'x', x);
    return this.adopt(this.backend.kernels.reshape(x as unknown as T, planReshape(x, shape)));
  }

  argmax(x: DeviceTensor): DeviceTensor<'int32'> {
    this.checkAlive('argmax');
    this.own('argmax', 'x', x);
    const plan = planRows('argmax', x);
    if (plan.width === 0) throw shapeError('argmax', 'x', 'a last axis of size ≥ 1', x.shape);
    return this.adopt(this.backend.kernels.argmax(x as T, plan));
  }

  topK(x: DeviceTensor, k: number): TopKResult<DeviceTensor> {
    this.checkAlive('topK');
    this.own('topK', 'x', x);
    const { values, indices } = this.backend.kernels.topK(x as T, k, planTopK(x, k));
    return { values: this.adopt(values), indices: this.adopt(indices) };
  }

  private binary(op: BinaryOp, a: DeviceTensor, b: DeviceTensor): DeviceTensor<'float32'> {
    this.checkAlive(op);
    this.own(op, 'a', a);
    this.own(op, 'b', b);
    checkDType(op, 'a', a, ['float32']);
    checkDType(op, 'b', b, ['float32']);
    const plan = broadcastShapes(op, a.shape, b.shape);
    this.checkFits(op, 'output', plan.outShape);
    return this.adopt(this.backend.kernels.binary(op, a as T, b as T, plan));
  }

  private unary(op: UnaryOp, x: DeviceTensor): DeviceTensor<'float32'> {
    this.checkAlive(op);
    this.own(op, 'x', x);
    checkDType(op, 'x', x, ['float32']);
    return this.adopt(this.backend.kernels.unary(op, x as T));
  }

  /** Accepts tensors whose owner is this backend, and those this device handed out (see `made`). */
  private own(op: string, argument: string, tensor: unknown): void {
    checkOwned(op, argument, tensor, this.backend, this.made);
  }

  /** Records a tensor the backend returned through this device and gives it the caller's type. */
  private adopt<R = DeviceTensor<'float32'>>(t: T): R {
    this.made.add(t);
    return t as unknown as R;
  }

  /** A tensor larger than the backend can hold is refused before the backend tries to allocate it. */
  private checkFits(op: string, argument: string, shape: readonly number[]): void {
    const limit = this.backend.capabilities.maxTensorElements;
    if (sizeOf(shape) > limit) throw deviceLimitError(op, argument, shape, limit);
  }

  private checkAlive(op: string): void {
    if (this.backend.isDisposed) {
      throw new AttnkitError('DISPOSED', `${op}: the ${this.backend.name} backend was disposed`, {
        argument: 'backend',
      });
    }
  }
}

const MATMUL_OPTION_KEYS = ['transposeA', 'transposeB', 'bias'];

function checkMatmulOptions(options: MatmulOptions): void {
  if (typeof options !== 'object' || options === null) throw invalidArgument('matmul', 'options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!MATMUL_OPTION_KEYS.includes(key))
      throw invalidArgument('matmul', `options.${key}`, `one of ${MATMUL_OPTION_KEYS.join(', ')}`, key);
  }
  for (const key of ['transposeA', 'transposeB'] as const) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'boolean')
      throw invalidArgument('matmul', `options.${key}`, 'a boolean', value);
  }
}

type DTypeOf<A> = A extends Float32Array ? 'float32' : A extends Int32Array ? 'int32' : 'bool';

const devices = new WeakMap<Backend, Device>();

/** The device API of a backend (one instance per backend). */
export function createDevice<T extends DeviceTensor>(backend: Backend<T>): Device<T> {
  if (typeof backend !== 'object' || backend === null || !('kernels' in backend)) {
    throw invalidArgument('createDevice', 'backend', 'an attnkit backend', backend);
  }
  if (backend.specificationVersion !== SPECIFICATION_VERSION) {
    const given = String(backend.specificationVersion);
    throw new AttnkitError(
      'UNSUPPORTED',
      `createDevice: backend ${backend.name} implements ${given}, core needs ${SPECIFICATION_VERSION}`,
      {
        argument: 'backend',
        expected: SPECIFICATION_VERSION,
        given,
      },
    );
  }
  let device = devices.get(backend);
  if (!device) {
    device = new Device(backend as Backend);
    devices.set(backend, device);
  }
  return device as unknown as Device<T>;
}
