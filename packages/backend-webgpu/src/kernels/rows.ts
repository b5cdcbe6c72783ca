import type { Kernel } from '../pipelines.js';

/**
 * Reductions over the last axis, one invocation per row of `width` elements (rows are independent; the
 * software adapters prefer one long loop per invocation to workgroup reductions).
 * Scores at or below −FLT_MAX count as −∞: a row of them gives zeros (softmax) or −∞ (log-softmax).
 */
const ROWS = [
  ['rows', 'u32'],
  ['width', 'u32'],
  ['epsilon', 'f32'],
  ['k', 'u32'],
] as const;

export function softmaxKernel(log: boolean): Kernel {
  return {
    key: `softmax:${log ? 'log' : 'plain'}`,
    spec: {
      uniforms: ROWS,
      buffers: [
        { name: 'x', element: 'f32', access: 'read' },
        { name: 'out', element: 'f32', access: 'read_write' },
      ],
      workgroupSize: 64,
      guard: 'rows',
      body: `
  let base = index * u.width;
  var m = -3.4e38;
  for (var j = 0u; j < u.width; j++) { let v = x[base + j]; if (!isMasked(v)) { m = max(m, v); } }
  if (isMasked(m)) {
    for (var j = 0u; j < u.width; j++) { out[base + j] = ${log ? 'negInf()' : '0.0'}; }
    return;
  }
  var sum = 0.0;
  for (var j = 0u; j < u.width; j++) { let v = x[base + j]; if (!isMasked(v)) { sum += exp(v - m); } }
  ${
    log
      ? `let logSum = m + log(sum);
  for (var j = 0u; j < u.width; j++) { let v = x[base + j]; out[base + j] = select(v - logSum, negInf(), isMasked(v)); }`
      : `let inv = 1.0 / sum;
  for (var j = 0u; j < u.width; j++) { let v = x[base + j]; out[base + j] = select(exp(v - m) * inv, 0.0, isMasked(v)); }`
  }`,
    },
  };
}

export function layerNormKernel(): Kernel {
  return {
    key: 'layer-norm',
    spec: {
      uniforms: ROWS,
      buffers: [
        { name: 'x', element: 'f32', access: 'read' },
        { name: 'gamma', element: 'f32', access: 'read' },
        { name: 'beta', element: 'f32', access: 'read' },
        { name: 'out', element: 'f32', access: 'read_write' },
      ],
      workgroupSize: 64,
      guard: 'rows',
      body: `
  let base = index * u.width;
  var mean = 0.0;
  for (var j = 0u; j < u.width; j++) { mean += x[base + j]; }
  mean /= f32(u.width);
  var variance = 0.0;
  for (var j = 0u; j < u.width; j++) { let d = x[base + j] - mean; variance += d * d; }
  let inv = inverseSqrt(variance / f32(u.width) + u.epsilon);
  for (var j = 0u; j < u.width; j++) { out[base + j] = (x[base + j] - mean) * inv * gamma[j] + beta[j]; }`,
    },
  };
}

export function argmaxKernel(): Kernel {
  return {
    key: 'argmax',
    spec: {
      uniforms: ROWS,
      buffers: [
        { name: 'x', element: 'f32', access: 'read' },
        { name: 'out', element: 'i32', access: 'read_write' },
      ],
      workgroupSize: 64,
      guard: 'rows',
      body: `
  let base = index * u.width;
  var best = 0u;
  for (var j = 1u; j < u.width; j++) { if (x[base + j] > x[base + best]) { best = j; } }
  out[index] = i32(best);`,
    },
  };
}

/**
 * The k largest per row, descending, ties by lower index: pass n picks the best element strictly after
 * pick n−1 in the order (value desc, index asc), so no scratch memory is needed (O(k · width)).
 */
export function topKKernel(): Kernel {
  return {
    key: 'top-k',
    spec: {
      uniforms: ROWS,
      buffers: [
        { name: 'x', element: 'f32', access: 'read' },
        { name: 'values', element: 'f32', access: 'read_write' },
        { name: 'indices', element: 'i32', access: 'read_write' },
      ],
      workgroupSize: 64,
      guard: 'rows',
      prelude: /* wgsl */ `
fn before(va: f32, ia: u32, vb: f32, ib: u32) -> bool { return va > vb || (va == vb && ia < ib); }`,
      body: `
  let base = index * u.width;
  var prevValue = 0.0;
  var prevIndex = 0u;
  for (var n = 0u; n < u.k; n++) {
    var found = false;
    var bestValue = 0.0;
    var bestIndex = 0u;
    for (var j = 0u; j < u.width; j++) {
      let v = x[base + j];
      let after = n == 0u || before(prevValue, prevIndex, v, j);
      if (after && (!found || before(v, j, bestValue, bestIndex))) { found = true; bestValue = v; bestIndex = j; }
    }
    values[index * u.k + n] = bestValue;
    indices[index * u.k + n] = i32(bestIndex);
    prevValue = bestValue;
    prevIndex = bestIndex;
  }`,
    },
  };
}
