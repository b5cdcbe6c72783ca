import type { PrimitiveSpec } from '../primitive-spec.js';
import type { PrimitiveCase } from '../types.js';

/** Primitive cases: seeded data compared with the reference, and a few literal ones worked out by hand. */
export interface PrimitiveEntry {
  readonly feature: string;
  readonly name: string;
  readonly spec: PrimitiveSpec;
  readonly fullOnly?: boolean;
  readonly literal?: PrimitiveCase['literal'];
  readonly title?: string;
}

const NEG = Number.NEGATIVE_INFINITY;

export const PRIMITIVE_ENTRIES: readonly PrimitiveEntry[] = [
  // matmul
  { feature: 'primitive-matmul', name: '2d', spec: { op: 'matmul', a: [5, 7], b: [7, 3] } },
  { feature: 'primitive-matmul', name: '2d-bias', spec: { op: 'matmul', a: [4, 6], b: [6, 5], bias: true } },
  { feature: 'primitive-matmul', name: 'transpose-a', spec: { op: 'matmul', a: [6, 4], b: [6, 5], transposeA: true } },
  { feature: 'primitive-matmul', name: 'transpose-b', spec: { op: 'matmul', a: [4, 6], b: [5, 6], transposeB: true } },
  {
    feature: 'primitive-matmul',
    name: 'transpose-both-bias',
    spec: { op: 'matmul', a: [6, 4], b: [5, 6], transposeA: true, transposeB: true, bias: true },
  },
  {
    feature: 'primitive-matmul',
    name: 'batched-shared-b',
    spec: { op: 'matmul', a: [2, 3, 4, 8], b: [8, 5], bias: true },
  },
  { feature: 'primitive-matmul', name: 'batched-b', spec: { op: 'matmul', a: [2, 3, 4, 8], b: [2, 3, 8, 5] } },
  {
    feature: 'primitive-matmul',
    name: 'batched-b-transposed',
    spec: { op: 'matmul', a: [3, 4, 8], b: [3, 5, 8], transposeB: true },
  },
  { feature: 'primitive-matmul', name: 'k1', spec: { op: 'matmul', a: [3, 1], b: [1, 4] } },
  { feature: 'primitive-matmul', name: 'm0', spec: { op: 'matmul', a: [0, 4], b: [4, 3] } },
  { feature: 'primitive-matmul', name: 'k0-bias', spec: { op: 'matmul', a: [2, 0], b: [0, 3], bias: true } },
  { feature: 'primitive-matmul', name: 'n0', spec: { op: 'matmul', a: [3, 4], b: [4, 0] } },
  { feature: 'primitive-matmul', name: 'batch0', spec: { op: 'matmul', a: [0, 3, 4], b: [4, 5], bias: true } },
  { feature: 'primitive-matmul', name: 'batch0-batched-b', spec: { op: 'matmul', a: [0, 2, 3], b: [0, 3, 2] } },
  { feature: 'primitive-matmul', name: 'k128', spec: { op: 'matmul', a: [16, 128], b: [128, 24], bias: true } },
  {
    feature: 'primitive-matmul',
    name: 'k512',
    fullOnly: true,
    spec: { op: 'matmul', a: [64, 512], b: [64, 512], transposeB: true },
  },
  {
    feature: 'primitive-matmul',
    name: 'literal-2x2',
    title: '[[1,2],[3,4]] · [[5,6],[7,8]] + [1, −1] = [[20,21],[44,49]]',
    spec: { op: 'matmul', a: [2, 2], b: [2, 2], bias: true },
    literal: {
      inputs: [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [1, -1],
      ],
      expected: [[20, 21, 44, 49]],
    },
  },
  // element-wise
  { feature: 'primitive-elementwise', name: 'add-same', spec: { op: 'add', a: [3, 4], b: [3, 4] } },
  { feature: 'primitive-elementwise', name: 'add-row-broadcast', spec: { op: 'add', a: [2, 3, 4], b: [4] } },
  { feature: 'primitive-elementwise', name: 'add-both-broadcast', spec: { op: 'add', a: [2, 1, 4], b: [3, 1] } },
  { feature: 'primitive-elementwise', name: 'mul-column-broadcast', spec: { op: 'mul', a: [2, 3, 4], b: [2, 3, 1] } },
  { feature: 'primitive-elementwise', name: 'mul-scalar-shape', spec: { op: 'mul', a: [5], b: [1] } },
  { feature: 'primitive-elementwise', name: 'mul-rank-mismatch', spec: { op: 'mul', a: [4], b: [2, 3, 1] } },
  { feature: 'primitive-elementwise', name: 'scale', spec: { op: 'scale', x: [3, 5], factor: -0.37 } },
  { feature: 'primitive-elementwise', name: 'relu', spec: { op: 'relu', x: [4, 6] } },
  { feature: 'primitive-elementwise', name: 'gelu', spec: { op: 'gelu', x: [4, 16], range: 6 } },
  { feature: 'primitive-elementwise', name: 'tanh', spec: { op: 'tanh', x: [4, 16], range: 8 } },
  { feature: 'primitive-elementwise', name: 'add-empty', spec: { op: 'add', a: [0, 4], b: [4] } },
  { feature: 'primitive-elementwise', name: 'mul-empty-broadcast', spec: { op: 'mul', a: [2, 0, 3], b: [1, 3] } },
  { feature: 'primitive-elementwise', name: 'scale-empty', spec: { op: 'scale', x: [0, 3], factor: 2 } },
  { feature: 'primitive-elementwise', name: 'gelu-empty', spec: { op: 'gelu', x: [2, 0] } },
  {
    feature: 'primitive-elementwise',
    name: 'literal-gelu',
    title: 'exact GELU: gelu(0) = 0, gelu(1) = Φ(1) ≈ 0.8413447, gelu(−1) ≈ −0.1586553, gelu(3) ≈ 2.9959503',
    spec: { op: 'gelu', x: [4] },
    literal: { inputs: [[0, 1, -1, 3]], expected: [[0, 0.8413447460685429, -0.15865525393145707, 2.995950305905111]] },
  },
  // softmax
  { feature: 'primitive-softmax', name: 'softmax', spec: { op: 'softmax', x: [3, 7], range: 4 } },
  { feature: 'primitive-softmax', name: 'log-softmax', spec: { op: 'logSoftmax', x: [3, 7], range: 4 } },
  { feature: 'primitive-softmax', name: 'softmax-large', spec: { op: 'softmax', x: [2, 9], range: 1e4 } },
  {
    feature: 'primitive-softmax',
    name: 'softmax-neg-inf-rows',
    spec: { op: 'softmax', x: [4, 5], negativeInfinity: true },
  },
  {
    feature: 'primitive-softmax',
    name: 'log-softmax-neg-inf-rows',
    spec: { op: 'logSoftmax', x: [4, 5], negativeInfinity: true },
  },
  { feature: 'primitive-softmax', name: 'softmax-rows0', spec: { op: 'softmax', x: [0, 5] } },
  { feature: 'primitive-softmax', name: 'softmax-width0', spec: { op: 'softmax', x: [3, 0] } },
  { feature: 'primitive-softmax', name: 'log-softmax-width0', spec: { op: 'logSoftmax', x: [2, 0] } },
  {
    feature: 'primitive-softmax',
    name: 'literal-neg-inf',
    title: 'softmax of [0, ln 3, −∞] is [1/4, 3/4, 0]; a row of −∞ is all 0',
    spec: { op: 'softmax', x: [2, 3] },
    literal: { inputs: [[0, Math.log(3), NEG, NEG, NEG, NEG]], expected: [[0.25, 0.75, 0, 0, 0, 0]] },
  },
  {
    feature: 'primitive-softmax',
    name: 'literal-log-neg-inf',
    title: 'log-softmax of [0, ln 3, −∞] is [ln 1/4, ln 3/4, −∞]; a row of −∞ stays −∞',
    spec: { op: 'logSoftmax', x: [2, 3] },
    literal: {
      inputs: [[0, Math.log(3), NEG, NEG, NEG, NEG]],
      expected: [[Math.log(0.25), Math.log(0.75), NEG, NEG, NEG, NEG]],
    },
  },
  // layer norm
  { feature: 'primitive-layernorm', name: 'width16', spec: { op: 'layerNorm', x: [3, 16] } },
  { feature: 'primitive-layernorm', name: 'width1', spec: { op: 'layerNorm', x: [4, 1] } },
  { feature: 'primitive-layernorm', name: 'epsilon-0.1', spec: { op: 'layerNorm', x: [2, 3, 8], epsilon: 0.1 } },
  { feature: 'primitive-layernorm', name: 'rows0', spec: { op: 'layerNorm', x: [0, 8] } },
  { feature: 'primitive-layernorm', name: 'width0', spec: { op: 'layerNorm', x: [3, 0] } },
  {
    feature: 'primitive-layernorm',
    name: 'literal',
    title:
      '[1, 3] has mean 2 and variance 1: with ε = 1e−5, γ = [2, 1], β = [0, 10] → [−2/√(1+1e−5), 10 + 1/√(1+1e−5)]',
    spec: { op: 'layerNorm', x: [1, 2] },
    literal: {
      inputs: [
        [1, 3],
        [2, 1],
        [0, 10],
      ],
      expected: [[-2 / Math.sqrt(1 + 1e-5), 10 + 1 / Math.sqrt(1 + 1e-5)]],
    },
  },
  // gather
  { feature: 'primitive-gather', name: 'ids-1d', spec: { op: 'gather', table: [10, 4], ids: [6] } },
  { feature: 'primitive-gather', name: 'ids-2d', spec: { op: 'gather', table: [7, 5], ids: [2, 3] } },
  { feature: 'primitive-gather', name: 'ids-empty', spec: { op: 'gather', table: [7, 5], ids: [0] } },
  // ids outside [0, V) give zero rows on every backend (CONTRACT.md, "Edges"), ±2^24 included
  {
    feature: 'primitive-gather',
    name: 'out-of-range',
    spec: { op: 'gather', table: [6, 3], ids: [4, 5], outOfRange: true },
  },
  {
    feature: 'primitive-gather',
    name: 'empty-table',
    spec: { op: 'gather', table: [0, 3], ids: [5], outOfRange: true },
  },
  { feature: 'primitive-gather', name: 'width0', spec: { op: 'gather', table: [4, 0], ids: [3] } },
  {
    feature: 'primitive-gather',
    name: 'literal-out-of-range',
    title: 'table [[1,2],[3,4],[5,6]], ids [2, −1, 3, 0, 2²⁴, −2²⁴] → rows [5,6], 0, 0, [1,2], 0, 0',
    spec: { op: 'gather', table: [3, 2], ids: [6] },
    literal: {
      inputs: [
        [1, 2, 3, 4, 5, 6],
        [2, -1, 3, 0, 16777216, -16777216],
      ],
      expected: [[5, 6, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0]],
    },
  },
  // sequence: concat, slice, reshape
  {
    feature: 'primitive-sequence',
    name: 'concat-seq-axis',
    spec: {
      op: 'concat',
      parts: [
        [1, 2, 3, 4],
        [1, 2, 1, 4],
      ],
      axis: 2,
    },
  },
  {
    feature: 'primitive-sequence',
    name: 'concat-three-negative-axis',
    spec: {
      op: 'concat',
      parts: [
        [2, 1, 3],
        [2, 2, 3],
        [2, 0, 3],
      ],
      axis: -2,
    },
  },
  {
    feature: 'primitive-sequence',
    name: 'concat-last-axis',
    spec: {
      op: 'concat',
      parts: [
        [2, 3],
        [2, 5],
      ],
      axis: 1,
    },
  },
  {
    feature: 'primitive-sequence',
    name: 'concat-int32',
    spec: { op: 'concat', parts: [[3], [2]], axis: 0, dtype: 'int32' },
  },
  {
    feature: 'primitive-sequence',
    name: 'slice-seq-axis',
    spec: { op: 'slice', x: [1, 2, 6, 4], axis: 2, start: 2, length: 3 },
  },
  {
    feature: 'primitive-sequence',
    name: 'slice-empty',
    spec: { op: 'slice', x: [2, 5, 3], axis: 1, start: 5, length: 0 },
  },
  {
    feature: 'primitive-sequence',
    name: 'slice-first-axis',
    spec: { op: 'slice', x: [4, 3], axis: 0, start: 1, length: 2 },
  },
  { feature: 'primitive-sequence', name: 'reshape', spec: { op: 'reshape', x: [2, 3, 4], shape: [6, -1] } },
  {
    feature: 'primitive-sequence',
    name: 'reshape-3d-to-4d',
    spec: { op: 'reshape', x: [2, 5, 6], shape: [2, 5, 2, 3] },
  },
  {
    feature: 'primitive-sequence',
    name: 'concat-all-empty',
    spec: {
      op: 'concat',
      parts: [
        [2, 0, 3],
        [2, 0, 3],
      ],
      axis: 1,
    },
  },
  {
    feature: 'primitive-sequence',
    name: 'concat-empty-outer',
    spec: {
      op: 'concat',
      parts: [
        [0, 3],
        [0, 2],
      ],
      axis: 1,
    },
  },
  {
    feature: 'primitive-sequence',
    name: 'slice-of-empty',
    spec: { op: 'slice', x: [0, 4], axis: 1, start: 1, length: 2 },
  },
  { feature: 'primitive-sequence', name: 'reshape-empty', spec: { op: 'reshape', x: [0, 6], shape: [2, 0, 3] } },
  // selection: argmax, topK
  { feature: 'primitive-select', name: 'argmax', spec: { op: 'argmax', x: [5, 9] } },
  { feature: 'primitive-select', name: 'argmax-ties', spec: { op: 'argmax', x: [8, 6], ties: true } },
  { feature: 'primitive-select', name: 'topk', spec: { op: 'topK', x: [4, 10], k: 3 } },
  { feature: 'primitive-select', name: 'topk-ties', spec: { op: 'topK', x: [8, 7], k: 4, ties: true } },
  { feature: 'primitive-select', name: 'topk-all', spec: { op: 'topK', x: [2, 5], k: 5, ties: true } },
  { feature: 'primitive-select', name: 'argmax-rows0', spec: { op: 'argmax', x: [0, 5] } },
  { feature: 'primitive-select', name: 'topk-rows0', spec: { op: 'topK', x: [0, 5], k: 2 } },
  {
    feature: 'primitive-select',
    name: 'literal-ties',
    title:
      'top-2 of [1, 3, 3, 2] is values [3, 3] at indices [1, 2] (ties: lower index first); argmax takes the first maximum',
    spec: { op: 'topK', x: [1, 4], k: 2 },
    literal: {
      inputs: [[1, 3, 3, 2]],
      expected: [
        [3, 3],
        [1, 2],
      ],
    },
  },
];
