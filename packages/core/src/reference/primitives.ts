import type {
  BinaryOp,
  BroadcastPlan,
  ConcatPlan,
  GatherPlan,
  MatmulPlan,
  RowsPlan,
  SlicePlan,
  UnaryOp,
} from '../contract/primitives.js';
import { erf } from './erf.js';
import { softmaxInPlace } from './softmax.js';

/** The primitives in float64, written for clarity. Inputs are already validated by core. */

export function matmul(a: Float64Array, b: Float64Array, bias: Float64Array | null, plan: MatmulPlan): Float64Array {
  const { batch, M, K, N, transposeA, transposeB, batchedB } = plan;
  const out = new Float64Array(batch * M * N);
  for (let n = 0; n < batch; n++) {
    const aBase = n * M * K;
    const bBase = batchedB ? n * K * N : 0;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = bias ? bias[j] : 0;
        for (let k = 0; k < K; k++) {
          const av = transposeA ? a[aBase + k * M + i] : a[aBase + i * K + k];
          const bv = transposeB ? b[bBase + j * K + k] : b[bBase + k * N + j];
          acc += av * bv;
        }
        out[(n * M + i) * N + j] = acc;
      }
    }
  }
  return out;
}

export function binary(op: BinaryOp, a: Float64Array, b: Float64Array, plan: BroadcastPlan): Float64Array {
  const { outShape, aStrides, bStrides } = plan;
  const size = outShape.reduce((x, y) => x * y, 1);
  const out = new Float64Array(size);
  const index = new Array<number>(outShape.length).fill(0);
  for (let flat = 0; flat < size; flat++) {
    let ai = 0;
    let bi = 0;
    for (let axis = 0; axis < outShape.length; axis++) {
      ai += index[axis] * aStrides[axis];
      bi += index[axis] * bStrides[axis];
    }
    out[flat] = op === 'add' ? a[ai] + b[bi] : a[ai] * b[bi];
    for (let axis = outShape.length - 1; axis >= 0 && ++index[axis] === outShape[axis]; axis--) index[axis] = 0;
  }
  return out;
}

const UNARY: Record<UnaryOp, (v: number) => number> = {
  relu: (v) => Math.max(v, 0),
  tanh: Math.tanh,
  /**
   * The exact GELU x·Φ(x) = x/2 · (1 + erf(x/√2)), summed as x/2 + x/2·erf(x·√½): forming 1 + erf first
   * rounds at the scale of 2, which costs the last bit (gelu(1) would miss 0.8413447460685429 by an ulp).
   */
  gelu: (v) => 0.5 * v + 0.5 * v * erf(v * Math.SQRT1_2),
};

export function unary(op: UnaryOp, x: Float64Array): Float64Array {
  return x.map(UNARY[op]);
}

export function softmax(x: Float64Array, plan: RowsPlan, log: boolean): Float64Array {
  const out = new Float64Array(x);
  for (let r = 0; r < plan.rows; r++) {
    const row = out.subarray(r * plan.width, (r + 1) * plan.width);
    if (!log) {
      softmaxInPlace(row);
      continue;
    }
    const max = row.reduce((m, v) => Math.max(m, v), Number.NEGATIVE_INFINITY);
    if (max === Number.NEGATIVE_INFINITY) continue;
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const logSum = max + Math.log(sum);
    for (let j = 0; j < row.length; j++) row[j] -= logSum;
  }
  return out;
}

export function layerNorm(
  x: Float64Array,
  gamma: Float64Array,
  beta: Float64Array,
  epsilon: number,
  plan: RowsPlan,
): Float64Array {
  const { rows, width } = plan;
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * width, (r + 1) * width);
    const mean = row.reduce((s, v) => s + v, 0) / width;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / width;
    const inv = 1 / Math.sqrt(variance + epsilon);
    for (let j = 0; j < width; j++) out[r * width + j] = (row[j] - mean) * inv * gamma[j] + beta[j];
  }
  return out;
}

/**
 * Rows of the table by id. An id outside [0, V) gives a zero row, as on every backend (CONTRACT.md, "Edges"):
 * ids live on the device, where no backend can refuse them without reading them back.
 */
export function gather(table: Float64Array, ids: Int32Array, plan: GatherPlan): Float64Array {
  const { vocabulary, width, count } = plan;
  const out = new Float64Array(count * width);
  for (let n = 0; n < count; n++) {
    const id = ids[n];
    if (id < 0 || id >= vocabulary) continue;
    out.set(table.subarray(id * width, (id + 1) * width), n * width);
  }
  return out;
}

type Data = Float64Array | Int32Array | Uint8Array;

/** Views a tensor as [outer, axis, inner] around `axis`. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  const outer = shape.slice(0, axis).reduce((x, y) => x * y, 1);
  const inner = shape.slice(axis + 1).reduce((x, y) => x * y, 1);
  return [outer, shape[axis], inner];
}

export function concat<A extends Data>(
  parts: readonly { data: A; shape: readonly number[] }[],
  plan: ConcatPlan,
  make: (n: number) => A,
): A {
  const [outer, total, inner] = around(plan.outShape, plan.axis);
  const out = make(outer * total * inner);
  let offset = 0;
  for (const part of parts) {
    const length = part.shape[plan.axis];
    for (let o = 0; o < outer; o++) {
      out.set(part.data.subarray(o * length * inner, (o + 1) * length * inner), (o * total + offset) * inner);
    }
    offset += length;
  }
  return out;
}

export function slice<A extends Data>(x: A, shape: readonly number[], plan: SlicePlan, make: (n: number) => A): A {
  const [outer, size, inner] = around(shape, plan.axis);
  const out = make(outer * plan.length * inner);
  for (let o = 0; o < outer; o++) {
    const from = (o * size + plan.start) * inner;
    out.set(x.subarray(from, from + plan.length * inner), o * plan.length * inner);
  }
  return out;
}

export function argmax(x: Float64Array, plan: RowsPlan): Int32Array {
  const out = new Int32Array(plan.rows);
  for (let r = 0; r < plan.rows; r++) {
    let best = 0;
    for (let j = 1; j < plan.width; j++) if (x[r * plan.width + j] > x[r * plan.width + best]) best = j;
    out[r] = best;
  }
  return out;
}

export function topK(x: Float64Array, k: number, plan: RowsPlan): { values: Float64Array; indices: Int32Array } {
  const values = new Float64Array(plan.rows * k);
  const indices = new Int32Array(plan.rows * k);
  for (let r = 0; r < plan.rows; r++) {
    const row = x.subarray(r * plan.width, (r + 1) * plan.width);
    const order = Array.from(row.keys()).sort((i, j) => row[j] - row[i] || i - j);
    for (let n = 0; n < k; n++) {
      values[r * k + n] = row[order[n]];
      indices[r * k + n] = order[n];
    }
  }
  return { values, indices };
}
