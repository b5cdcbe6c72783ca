import {
  type Backend,
  type BackendKernels,
  FULL_ATTENTION_CAPABILITIES,
  SPECIFICATION_VERSION,
} from '../contract/backend.js';
import type { DType, HostArray } from '../contract/tensor.js';
import { referenceAttention } from './attention.js';
import * as ops from './primitives.js';
import { type ReferenceData, ReferenceTensor } from './tensor.js';

/**
 * The float64 oracle. Plain TypeScript, no dependencies, every option of the contract and every primitive.
 * Clarity beats speed here, but [1,8,512,64] attention still runs in about a second (test/speed.test.ts).
 */
export function createReferenceBackend(): Backend<ReferenceTensor> {
  return new ReferenceBackend();
}

class ReferenceBackend implements Backend<ReferenceTensor> {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly name = 'reference';
  readonly capabilities = {
    precisions: ['float32'] as const,
    attention: FULL_ATTENTION_CAPABILITIES,
    maxTensorElements: 2 ** 30,
  };
  readonly runsOn = {
    api: 'javascript',
    device: 'cpu',
    description: 'plain TypeScript on the JavaScript engine, float64 accumulation',
    details: { accumulation: 'float64', storage: 'float64' },
  } as const;
  isDisposed = false;
  private readonly live = new Set<ReferenceTensor>();

  readonly kernels: BackendKernels<ReferenceTensor> = {
    upload: (data, shape, dtype) =>
      this.make(shape, dtype, data instanceof Float32Array ? Float64Array.from(data) : data.slice()),
    read: async (t) => toHost(t),
    dispose: (t) => {
      t.isDisposed = true;
      this.live.delete(t);
    },
    memory: () => {
      let bytes = 0;
      for (const t of this.live) bytes += t.data.byteLength;
      return { liveTensors: this.live.size, liveBytes: bytes };
    },
    attention: (inputs, plan) => {
      const r = referenceAttention(inputs, plan);
      return {
        y: this.f64(plan.yShape, r.y),
        ...(r.presentKey && { presentKey: this.f64(plan.presentKeyShape!, r.presentKey) }),
        ...(r.presentValue && { presentValue: this.f64(plan.presentValueShape!, r.presentValue) }),
        ...(r.scores && { scores: this.f64(plan.scoresShape!, r.scores) }),
      };
    },
    matmul: (a, b, bias, plan) => this.f64(plan.outShape, ops.matmul(a.floats, b.floats, bias?.floats ?? null, plan)),
    binary: (op, a, b, plan) => this.f64(plan.outShape, ops.binary(op, a.floats, b.floats, plan)),
    unary: (op, x) => this.f64(x.shape, ops.unary(op, x.floats)),
    scale: (x, factor) =>
      this.f64(
        x.shape,
        x.floats.map((v) => v * factor),
      ),
    softmax: (x, plan, log) => this.f64(x.shape, ops.softmax(x.floats, plan, log)),
    layerNorm: (x, gamma, beta, epsilon, plan) =>
      this.f64(x.shape, ops.layerNorm(x.floats, gamma.floats, beta.floats, epsilon, plan)),
    gather: (table, ids, plan) => this.f64(plan.outShape, ops.gather(table.floats, ids.data as Int32Array, plan)),
    concat: (tensors, plan) => {
      const first = tensors[0];
      const make = (n: number) => emptyLike(first.data, n);
      return this.make(plan.outShape, first.dtype, ops.concat(tensors, plan, make));
    },
    slice: (x, plan) =>
      this.make(
        plan.outShape,
        x.dtype,
        ops.slice(x.data, x.shape, plan, (n) => emptyLike(x.data, n)),
      ),
    reshape: (x, shape) => this.make(shape, x.dtype, x.data.slice()),
    argmax: (x, plan) => this.make(x.shape.slice(0, -1), 'int32', ops.argmax(x.floats, plan)),
    topK: (x, k, plan) => {
      const { values, indices } = ops.topK(x.floats, k, plan);
      const shape = [...x.shape.slice(0, -1), k];
      return { values: this.f64(shape, values), indices: this.make(shape, 'int32', indices) };
    },
  };

  dispose(): void {
    for (const t of this.live) t.isDisposed = true;
    this.live.clear();
    this.isDisposed = true;
  }

  private f64(shape: readonly number[], data: Float64Array): ReferenceTensor {
    return this.make(shape, 'float32', data);
  }

  private make(shape: readonly number[], dtype: DType, data: ReferenceData): ReferenceTensor {
    const t = new ReferenceTensor(this, [...shape], dtype, data);
    this.live.add(t);
    return t;
  }
}

function emptyLike(data: ReferenceData, n: number): ReferenceData {
  return new (data.constructor as new (n: number) => ReferenceData)(n);
}

function toHost(t: ReferenceTensor): HostArray {
  if (t.dtype === 'float32') return Float32Array.from(t.floats);
  return t.data.slice() as HostArray;
}
