import type {
  BinaryOp,
  BroadcastPlan,
  ConcatPlan,
  GatherPlan,
  MatmulPlan,
  RowsPlan,
  SlicePlan,
  UnaryOp,
} from '@attnkit/core';
import type { WasmTensor } from '../tensor.js';
import type { Call } from './call.js';

/**
 * The device-API primitives. Arithmetic runs in the module (csrc/matmul.c, elementwise.c, rows.c); data
 * movement (gather, concat, slice, reshape) is `copyWithin` on the memory, which is a native memmove, and
 * argmax/topK read the rows from JavaScript (they are a pass over a vocabulary row per decoding step).
 */
const ROW_CHUNK = 32;
const COL_CHUNK = 128;
const ELEMENT_CHUNK = 16384;
const UNARY_OPS: Record<UnaryOp, number> = { relu: 0, gelu: 1, tanh: 2 };
const SCALE_OP = 3;

export function matmul(
  call: Call,
  a: WasmTensor,
  b: WasmTensor,
  bias: WasmTensor | null,
  plan: MatmulPlan,
): WasmTensor<'float32'> {
  const { batch, M, K, N } = plan;
  let aPtr = a.ptr;
  if (plan.transposeA) {
    // a is [batch, K, M]: one transposed copy, then the ordinary kernel
    aPtr = call.temp(batch * M * K * 4, 'the transposed a');
    call.run('transpose', 1, { batch, rows: K, cols: M, x: a.ptr, out: aPtr, units: batch });
  }
  const out = call.output(plan.outShape, 'float32');
  const units = batch * Math.ceil(M / ROW_CHUNK) * Math.ceil(N / COL_CHUNK);
  const threads = call.threadsFor(2 * batch * M * K * N, units);
  const scratchBytes = Math.ceil((plan.transposeB ? COL_CHUNK * 4 : K * 8 * 4) / 64) * 64;
  const scratch = call.temp(scratchBytes * threads, plan.transposeB ? 'matmul row pointers' : 'packed strips of b');
  call.run('matmul', threads, {
    batch,
    M,
    K,
    N,
    batched_b: plan.batchedB ? 1 : 0,
    transpose_b: plan.transposeB ? 1 : 0,
    a: aPtr,
    b: b.ptr,
    bias: bias?.ptr ?? 0,
    out: out.ptr,
    row_chunk: ROW_CHUNK,
    col_chunk: COL_CHUNK,
    units,
    scratch,
    scratch_bytes: scratchBytes,
  });
  return out;
}

export function binary(
  call: Call,
  op: BinaryOp,
  a: WasmTensor,
  b: WasmTensor,
  plan: BroadcastPlan,
): WasmTensor<'float32'> {
  const out = call.output(plan.outShape, 'float32');
  const size = out.size;
  const units = Math.ceil(size / ELEMENT_CHUNK);
  call.run('binary', call.threadsFor(size * 8, units), {
    op: op === 'add' ? 0 : 1,
    size,
    rank: plan.outShape.length,
    a: a.ptr,
    b: b.ptr,
    out: out.ptr,
    shape: call.ints(plan.outShape, 'the broadcast shape'),
    a_strides: call.ints(plan.aStrides, 'the broadcast strides of a'),
    b_strides: call.ints(plan.bStrides, 'the broadcast strides of b'),
    chunk: ELEMENT_CHUNK,
    units,
  });
  return out;
}

export function unary(call: Call, op: UnaryOp | 'scale', x: WasmTensor, factor = 1): WasmTensor<'float32'> {
  const out = call.output(x.shape, 'float32');
  const units = Math.ceil(x.size / ELEMENT_CHUNK);
  const flops = x.size * (op === 'gelu' || op === 'tanh' ? 40 : 4);
  call.run('unary', call.threadsFor(flops, units), {
    op: op === 'scale' ? SCALE_OP : UNARY_OPS[op],
    size: x.size,
    factor,
    x: x.ptr,
    out: out.ptr,
    chunk: ELEMENT_CHUNK,
    units,
  });
  return out;
}

export function rows(
  call: Call,
  op: 'softmax' | 'log-softmax' | 'layer-norm',
  x: WasmTensor,
  plan: RowsPlan,
  norm?: { gamma: WasmTensor; beta: WasmTensor; epsilon: number },
): WasmTensor<'float32'> {
  const out = call.output(x.shape, 'float32');
  const chunk = Math.max(1, Math.floor(ELEMENT_CHUNK / Math.max(plan.width, 1)));
  const units = Math.ceil(plan.rows / chunk);
  call.run('rows', call.threadsFor(plan.rows * plan.width * 20, units), {
    op: op === 'softmax' ? 0 : op === 'log-softmax' ? 1 : 2,
    rows: plan.rows,
    width: plan.width,
    epsilon: norm?.epsilon ?? 0,
    x: x.ptr,
    gamma: norm?.gamma.ptr ?? 0,
    beta: norm?.beta.ptr ?? 0,
    out: out.ptr,
    chunk,
    units,
  });
  return out;
}

/** Rows of the table by id; an id outside [0, V) gives a zero row, as on every backend (CONTRACT.md, "Edges"). */
export function gather(call: Call, table: WasmTensor, ids: WasmTensor, plan: GatherPlan): WasmTensor<'float32'> {
  const { vocabulary, width, count } = plan;
  const out = call.output(plan.outShape, 'float32');
  // Views after the output is allocated: the allocation may grow the memory and detach older views.
  const f32 = call.f32();
  const idView = call.int32(ids);
  for (let n = 0; n < count; n++) {
    const id = idView[n];
    const to = out.ptr / 4 + n * width;
    if (id < 0 || id >= vocabulary) {
      f32.fill(0, to, to + width);
      continue;
    }
    const from = table.ptr / 4 + id * width;
    f32.copyWithin(to, from, from + width);
  }
  return out;
}

export function concat(call: Call, parts: readonly WasmTensor[], plan: ConcatPlan): WasmTensor {
  const dtype = parts[0].dtype;
  const out = call.output(plan.outShape, dtype);
  const bytes = elementBytes(out);
  const [outer, total, inner] = around(plan.outShape, plan.axis);
  const u8 = call.u8();
  let offset = 0;
  for (const part of parts) {
    const length = part.shape[plan.axis];
    const run = length * inner * bytes;
    for (let o = 0; o < outer; o++) {
      const from = part.ptr + o * run;
      u8.copyWithin(out.ptr + (o * total + offset) * inner * bytes, from, from + run);
    }
    offset += length;
  }
  return out;
}

export function slice(call: Call, x: WasmTensor, plan: SlicePlan): WasmTensor {
  const out = call.output(plan.outShape, x.dtype);
  const bytes = elementBytes(x);
  const [outer, size, inner] = around(x.shape, plan.axis);
  const run = plan.length * inner * bytes;
  const u8 = call.u8();
  for (let o = 0; o < outer; o++) {
    const from = x.ptr + (o * size + plan.start) * inner * bytes;
    u8.copyWithin(out.ptr + o * run, from, from + run);
  }
  return out;
}

export function reshape(call: Call, x: WasmTensor, shape: readonly number[]): WasmTensor {
  const out = call.output(shape, x.dtype);
  call.u8().copyWithin(out.ptr, x.ptr, x.ptr + x.bytes);
  return out;
}

export function argmax(call: Call, x: WasmTensor, plan: RowsPlan): WasmTensor<'int32'> {
  const out = call.output(x.shape.slice(0, -1), 'int32');
  const f32 = call.f32();
  const i32 = call.i32();
  for (let r = 0; r < plan.rows; r++) {
    const base = x.ptr / 4 + r * plan.width;
    let best = 0;
    for (let j = 1; j < plan.width; j++) if (f32[base + j] > f32[base + best]) best = j;
    i32[out.ptr / 4 + r] = best;
  }
  return out;
}

export function topK(
  call: Call,
  x: WasmTensor,
  k: number,
  plan: RowsPlan,
): { values: WasmTensor<'float32'>; indices: WasmTensor<'int32'> } {
  const shape = [...x.shape.slice(0, -1), k];
  const values = call.output(shape, 'float32');
  const indices = call.output(shape, 'int32');
  const f32 = call.f32();
  const i32 = call.i32();
  const order = Array.from({ length: plan.width }, (_, j) => j);
  for (let r = 0; r < plan.rows; r++) {
    const base = x.ptr / 4 + r * plan.width;
    order.sort((i, j) => f32[base + j] - f32[base + i] || i - j);
    for (let n = 0; n < k; n++) {
      f32[values.ptr / 4 + r * k + n] = f32[base + order[n]];
      i32[indices.ptr / 4 + r * k + n] = order[n];
    }
    for (let j = 0; j < plan.width; j++) order[j] = j;
  }
  return { values, indices };
}

function elementBytes(t: WasmTensor): number {
  return t.dtype === 'bool' ? 1 : 4;
}

/** A tensor as [outer, axis, inner] around `axis`. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  const outer = shape.slice(0, axis).reduce((x, y) => x * y, 1);
  const inner = shape.slice(axis + 1).reduce((x, y) => x * y, 1);
  return [outer, shape[axis], inner];
}
