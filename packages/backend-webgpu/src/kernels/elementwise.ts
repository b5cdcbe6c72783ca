import type { BinaryOp, UnaryOp } from '@attnkit/core';
import type { Kernel } from '../pipelines.js';

/** a ∘ b with numpy broadcasting: `shape` holds [outShape | aStrides | bStrides], each `rank` long. */
export function binaryKernel(op: BinaryOp): Kernel {
  return {
    key: `binary:${op}`,
    spec: {
      uniforms: [
        ['count', 'u32'],
        ['rank', 'u32'],
      ],
      buffers: [
        { name: 'a', element: 'f32', access: 'read' },
        { name: 'b', element: 'f32', access: 'read' },
        { name: 'shape', element: 'u32', access: 'read' },
        { name: 'out', element: 'f32', access: 'read_write' },
      ],
      workgroupSize: 64,
      guard: 'count',
      body: `
  var rest = index;
  var ai = 0u;
  var bi = 0u;
  for (var axis = i32(u.rank) - 1; axis >= 0; axis--) {
    let at = u32(axis);
    let coordinate = rest % shape[at];
    rest = rest / shape[at];
    ai += coordinate * shape[u.rank + at];
    bi += coordinate * shape[2u * u.rank + at];
  }
  out[index] = a[ai] ${op === 'add' ? '+' : '*'} b[bi];`,
    },
  };
}

/** erf through the complementary error function erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2): relative error < 1.2e-7. */
const ERF = /* wgsl */ `
fn erfApprox(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let erfcz = t * exp(-z * z + poly);
  return select(erfcz - 1.0, 1.0 - erfcz, x >= 0.0);
}`;

const UNARY: Record<UnaryOp | 'scale', string> = {
  relu: 'max(x, 0.0)',
  tanh: 'tanh(clamp(x, -15.0, 15.0))',
  gelu: '0.5 * x * (1.0 + erfApprox(x * 0.70710678118654752))',
  scale: 'x * u.factor',
};

export function unaryKernel(op: UnaryOp | 'scale'): Kernel {
  return {
    key: `unary:${op}`,
    spec: {
      uniforms: [
        ['count', 'u32'],
        ['factor', 'f32'],
      ],
      buffers: [
        { name: 'input', element: 'f32', access: 'read' },
        { name: 'out', element: 'f32', access: 'read_write' },
      ],
      workgroupSize: 64,
      guard: 'count',
      prelude: op === 'gelu' ? ERF : '',
      body: `
  let x = input[index];
  out[index] = ${UNARY[op]};`,
    },
  };
}
