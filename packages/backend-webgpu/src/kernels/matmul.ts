import type { Kernel } from '../pipelines.js';

/**
 * out[n, i, j] = Σ_k a[n, i, k] · b[n, k, j] (+ bias[j]); transposes and a shared b are only strides.
 *
 *   'registers': each invocation computes an RM × 4 block of out, b read as one vec4 per k when
 *                `vec4` (b row-contiguous, N and the row stride multiples of 4)
 *   'shared':    16 × 16 output tiles; a workgroup stages 16-wide slices of a and b in workgroup memory
 */
export interface MatmulTuning {
  readonly strategy: 'registers' | 'shared';
  readonly rowsPerInvocation: number;
  readonly vec4: boolean;
}

const UNIFORMS = [
  ['M', 'u32'],
  ['N', 'u32'],
  ['K', 'u32'],
  ['asb', 'u32'],
  ['asi', 'u32'],
  ['ask', 'u32'],
  ['bsb', 'u32'],
  ['bsk', 'u32'],
  ['bsj', 'u32'],
  ['tilesM', 'u32'],
  ['tilesN', 'u32'],
  ['count', 'u32'],
] as const;

export function matmulKernel(tuning: MatmulTuning, withBias: boolean): Kernel {
  const biasAt = (col: string) => (withBias ? `bias[${col}]` : '0.0');
  const shared = tuning.strategy === 'shared';
  const vec4 = tuning.vec4 && !shared;
  const RM = tuning.rowsPerInvocation;
  const body = shared
    ? `
  let tn = group % u.tilesN;
  let tm = (group / u.tilesN) % u.tilesM;
  let n = group / (u.tilesN * u.tilesM);
  let lx = lid % 16u;
  let ly = lid / 16u;
  let row = tm * 16u + ly;
  let col = tn * 16u + lx;
  var acc = 0.0;
  for (var k0 = 0u; k0 < u.K; k0 += 16u) {
    var av = 0.0;
    if (row < u.M && k0 + lx < u.K) { av = a[n * u.asb + row * u.asi + (k0 + lx) * u.ask]; }
    tileA[ly * 16u + lx] = av;
    var bv = 0.0;
    if (k0 + ly < u.K && col < u.N) { bv = b[n * u.bsb + (k0 + ly) * u.bsk + col * u.bsj]; }
    tileB[ly * 16u + lx] = bv;
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) { acc += tileA[ly * 16u + kk] * tileB[kk * 16u + lx]; }
    workgroupBarrier();
  }
  if (row < u.M && col < u.N) { out[(n * u.M + row) * u.N + col] = acc + ${biasAt('col')}; }`
    : `
  let tn = index % u.tilesN;
  let tm = (index / u.tilesN) % u.tilesM;
  let n = index / (u.tilesN * u.tilesM);
  let row0 = tm * RM;
  let col0 = tn * 4u;
  var acc: array<vec4<f32>, RM>;
  for (var k = 0u; k < u.K; k++) {
    ${
      vec4
        ? 'let bv = b[(n * u.bsb + k * u.bsk + col0) >> 2u];'
        : `var bv = vec4<f32>(0.0);
    for (var c = 0u; c < 4u; c++) { let col = min(col0 + c, u.N - 1u); bv[c] = b[n * u.bsb + k * u.bsk + col * u.bsj]; }`
    }
    for (var r = 0u; r < RM; r++) {
      let row = min(row0 + r, u.M - 1u);
      acc[r] += a[n * u.asb + row * u.asi + k * u.ask] * bv;
    }
  }
  for (var r = 0u; r < RM; r++) {
    let row = row0 + r;
    if (row >= u.M) { break; }
    for (var c = 0u; c < 4u; c++) {
      let col = col0 + c;
      if (col < u.N) { out[(n * u.M + row) * u.N + col] = acc[r][c] + ${biasAt('col')}; }
    }
  }`;
  return {
    key: `matmul:${tuning.strategy}:rm${RM}:${vec4 ? 'v4' : 's'}:${withBias ? 'bias' : ''}`,
    spec: {
      uniforms: UNIFORMS,
      buffers: [
        { name: 'a', element: 'f32', access: 'read' },
        { name: 'b', element: vec4 ? 'vec4<f32>' : 'f32', access: 'read' },
        ...(withBias ? [{ name: 'bias', element: 'f32', access: 'read' as const }] : []),
        { name: 'out', element: 'f32', access: 'read_write' },
      ],
      workgroupSize: shared ? 256 : 64,
      guard: shared ? undefined : 'count',
      prelude: shared
        ? 'var<workgroup> tileA: array<f32, 256>;\nvar<workgroup> tileB: array<f32, 256>;'
        : `const RM: u32 = ${RM}u;`,
      body,
    },
  };
}
