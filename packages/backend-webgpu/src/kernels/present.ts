import type { Kernel } from '../pipelines.js';

/**
 * present = concat(past, new) on the sequence axis, always 4D [B, H, T, W]; the new part is read through
 * its layout strides (3D [B, S, H·W] or 4D). Without a past, P = 0 and the past binding is absent.
 */
export function presentKernel(withPast: boolean): Kernel {
  return {
    key: `present:${withPast ? 'past' : 'fresh'}`,
    spec: {
      uniforms: [
        ['count', 'u32'],
        ['H', 'u32'],
        ['T', 'u32'],
        ['P', 'u32'],
        ['W', 'u32'],
        ['nsb', 'u32'],
        ['nsh', 'u32'],
        ['nst', 'u32'],
      ],
      buffers: [
        ...(withPast ? [{ name: 'past', element: 'f32', access: 'read' as const }] : []),
        { name: 'fresh', element: 'f32', access: 'read' },
        { name: 'present', element: 'f32', access: 'read_write' },
      ],
      workgroupSize: 64,
      guard: 'count',
      body: `
  let w = index % u.W;
  let t = (index / u.W) % u.T;
  let bh = index / (u.W * u.T);
  let h = bh % u.H;
  let b = bh / u.H;
  ${withPast ? 'if (t < u.P) { present[index] = past[(bh * u.P + t) * u.W + w]; return; }' : ''}
  present[index] = fresh[b * u.nsb + h * u.nsh + (t - u.P) * u.nst + w];`,
    },
  };
}

/** f32 → f16 storage for precision 'float16' (two halves per u32 word; the tail word is zero-padded). */
export function toHalfKernel(): Kernel {
  return {
    key: 'to-half',
    spec: {
      uniforms: [
        ['count', 'u32'],
        ['pairs', 'u32'],
      ],
      buffers: [
        { name: 'x', element: 'f32', access: 'read' },
        { name: 'out', element: 'u32', access: 'read_write' },
      ],
      workgroupSize: 64,
      guard: 'pairs',
      body: `
  let a = x[2u * index];
  let b = select(0.0, x[min(2u * index + 1u, u.count - 1u)], 2u * index + 1u < u.count);
  out[index] = pack2x16float(vec2<f32>(a, b));`,
    },
  };
}
