import type { Kernel } from '../pipelines.js';
import {
  ATTENTION_UNIFORMS,
  type BiasFeatures,
  biasBindings,
  biasFunction,
  featureKey,
  keyRange,
  ROW_GEOMETRY,
  rowTop,
} from './attention-bias.js';

/**
 * Memory-efficient attention: each invocation owns R query rows (one in 'shared'), keys and values stream
 * through in blocks of KB with an online softmax (running max m, running sum l, output accumulator rescaled when m grows). No score
 * matrix exists; a row whose every key is masked keeps l = 0 and writes exact zeros. An additive mask enters
 * less its row maximum (`top`, CONTRACT.md rule 7), read from the `tops` of attentionRowMaxKernel.
 *
 *   splitKeys:            0, or SK > 0: the split-over-keys pass (flash-decoding). Launches × u.splits, split sp
 *                         walks only keys [sp·SK, sp·SK + SK) and writes its partial (m, l) to `ml` and the
 *                         unnormalized accumulator to `part` at p = (bh·Sq + i)·splits + sp; attention-merge.ts
 *                         combines them into y (a split with no visible key leaves l = 0)
 *
 *   strategy 'registers': each invocation reads its keys straight from storage (best on software adapters)
 *   strategy 'shared':    a workgroup of WG rows of one head loads each key/value block into workgroup
 *                         memory once, then every row uses it (best on real GPUs)
 *   rowsPerInvocation:    R query rows per invocation in 'registers' (register blocking over queries)
 *   vec4:                 q/k/v/y read and written as vec4 (needs D and Dv multiples of 4)
 *   element:              'f32', or 'f16' storage (precision float16), always f32 arithmetic
 */
export interface AttentionTuning {
  readonly strategy: 'registers' | 'shared';
  readonly workgroupSize: number;
  readonly keyBlock: number;
  readonly vec4: boolean;
  /** Query rows per invocation ('registers' only): each key/value load then serves R rows. */
  readonly rowsPerInvocation: number;
  /** Keys per split for the split-over-keys path; 0 = every invocation walks all its keys (one pass). */
  readonly splitKeys: number;
}

/** Uniforms the split pass adds to ATTENTION_UNIFORMS. */
export const SPLIT_UNIFORMS = [
  ['splits', 'u32'],
  ['splitKeys', 'u32'],
] as const;

/** `storeY(base, c, value)`: chunk c (4 wide) of a y row at element offset base, as vec4 or guarded scalars. */
export function storeYFunction(vec4: boolean): string {
  return vec4
    ? 'fn storeY(base: u32, c: u32, value: vec4<f32>) { y[(base >> 2u) + c] = value; }'
    : `fn storeY(base: u32, c: u32, value: vec4<f32>) {
  for (var e = 0u; e < 4u; e++) { let d = c * 4u + e; if (d < u.Dv) { y[base + d] = value[e]; } }
}`;
}

export function streamingAttentionKernel(
  f: BiasFeatures,
  D: number,
  Dv: number,
  tuning: AttentionTuning,
  element: 'f32' | 'f16',
): Kernel {
  const DC = Math.ceil(D / 4);
  const DVC = Math.ceil(Dv / 4);
  const { strategy, workgroupSize: WG, keyBlock: KB, vec4 } = tuning;
  const split = tuning.splitKeys > 0;
  const key = `attention-stream:${strategy}:wg${WG}:kb${KB}:r${strategy === 'shared' ? 1 : tuning.rowsPerInvocation}:${vec4 ? 'v4' : 's'}:${element}:d${D}:dv${Dv}:${featureKey(f)}${split ? ':split' : ''}`;
  const vecType = element === 'f16' ? 'vec4<f16>' : 'vec4<f32>';
  const loaders = vec4
    ? `fn loadQ(base: u32, c: u32) -> vec4<f32> { return vec4<f32>(q[(base >> 2u) + c]); }
fn loadK(base: u32, c: u32) -> vec4<f32> { return vec4<f32>(k[(base >> 2u) + c]); }
fn loadV(base: u32, c: u32) -> vec4<f32> { return vec4<f32>(v[(base >> 2u) + c]); }`
    : `fn gather4(which: u32, base: u32, c: u32, width: u32) -> vec4<f32> {
  var r = vec4<f32>(0.0);
  for (var e = 0u; e < 4u; e++) {
    let d = c * 4u + e;
    if (d < width) {
      if (which == 0u) { r[e] = f32(q[base + d]); } else if (which == 1u) { r[e] = f32(k[base + d]); } else { r[e] = f32(v[base + d]); }
    }
  }
  return r;
}
fn loadQ(base: u32, c: u32) -> vec4<f32> { return gather4(0u, base, c, u.D); }
fn loadK(base: u32, c: u32) -> vec4<f32> { return gather4(1u, base, c, u.D); }
fn loadV(base: u32, c: u32) -> vec4<f32> { return gather4(2u, base, c, u.Dv); }`;
  const elem = vec4 ? vecType : element;
  const shared = strategy === 'shared';
  const R = shared ? 1 : tuning.rowsPerInvocation;
  // Only the R query rows are unrolled (R is a tuning parameter, at most a handful): the head size is walked by
  // loops over vec4 chunks of private arrays (q{row}, acc{row}) whose trip count is a uniform, so no compiler
  // unrolls them and the shader's size does not grow with D. Unrolling over D into named registers made the
  // WGSL, and the live values a compiler must track, grow with D: Mesa's lavapipe (llvmpipe) compiles a compute
  // shader as an LLVM coroutine on its first dispatch, and LLVM 15's CoroSplit (buildCoroutineFrame) ran for
  // minutes and gigabytes on D = 64 at one row per invocation (D = 8: 30 ms). Each key and value chunk is still
  // loaded once per chunk step and used by all R rows of the invocation.
  const rows = (line: (r: number) => string, sep = '\n') => Array.from({ length: R }, (_, r) => line(r)).join(sep);
  const keyAt = shared ? 'tileK[t * DC + c]' : 'loadK(kb, c)';
  const valueAt = shared ? 'tileV[t * DVC + c]' : 'loadV(vb, c)';

  // One block of KB keys: scores, block max, rescale, accumulate.
  const block = `
      ${rows((r) => `var s${r}: array<f32, KB>;\n      var blockMax${r} = -3.4e38;`, '\n      ')}
      for (var t = 0u; t < KB; t++) {
        let j = j0 + t;
        ${rows((r) => `s${r}[t] = negInf();`, ' ')}
        if (j < jTo) {
          ${shared ? '' : 'let kb = b * u.ksb + kvh * u.ksh + j * u.ksj;'}
          ${rows((r) => `var dot${r} = 0.0;`, ' ')}
          for (var c = 0u; c < dc; c++) {
            let kc = ${keyAt};
            ${rows((r) => `dot${r} += dot(q${r}[c], kc);`, ' ')}
          }
          ${rows(
            (r) => `{
            let bias = keyBias(b, h, i${r}, j, diag${r}, vl, top${r});
            let sc = softcapped(dot${r} * u.scale);
            s${r}[t] = select(sc + bias, negInf(), isMasked(bias));
            if (!isMasked(s${r}[t])) { blockMax${r} = max(blockMax${r}, s${r}[t]); }
          }`,
            '\n          ',
          )}
        }
      }
      ${rows(
        (r) => `if (blockMax${r} > m${r}) {
        let correction = exp(m${r} - blockMax${r});
        l${r} *= correction;
        for (var c = 0u; c < dvc; c++) { acc${r}[c] *= correction; }
        m${r} = blockMax${r};
      }`,
        '\n      ',
      )}
      for (var t = 0u; t < KB; t++) {
        ${rows((r) => `let live${r} = !isMasked(s${r}[t]);`, ' ')}
        if (${rows((r) => `live${r}`, ' || ')}) {
          let j = j0 + t;
          ${shared ? '' : 'let vb = b * u.vsb + kvh * u.vsh + j * u.vsj;'}
          ${rows((r) => `let p${r} = select(0.0, exp(s${r}[t] - m${r}), live${r});\n          l${r} += p${r};`, '\n          ')}
          for (var c = 0u; c < dvc; c++) {
            let vc = ${valueAt};
            ${rows((r) => `if (live${r}) { acc${r}[c] += p${r} * vc; }`, ' ')}
          }
        }
      }`;

  const rowState = `
  let kvh = h / u.groupSize;
  let vl = validLength(b);
  // Chunk counts as runtime values (the same as DC and DVC): loops over them are never unrolled.
  let dc = (u.D + 3u) / 4u;
  let dvc = (u.Dv + 3u) / 4u;
  ${rows((r) => `let diag${r} = diagonal(b, i${r});`, '\n  ')}
  ${rows((r) => `let top${r} = ${rowTop(f, `i${r}`)};`, '\n  ')}
  ${rows((r) => `var q${r}: array<vec4<f32>, QA>;\n  var acc${r}: array<vec4<f32>, VA>;`, '\n  ')}
  ${rows((r) => `var m${r} = -3.4e38;\n  var l${r} = 0.0;`, '\n  ')}`;
  const loadQueries = rows(
    (r) => `if (inRange${r}) {
    let qb = b * u.qsb + h * u.qsh + i${r} * u.qsi;
    for (var c = 0u; c < dc; c++) { q${r}[c] = loadQ(qb, c); }
  }`,
    '\n  ',
  );
  const finish = split
    ? rows(
        (r) => `if (inRange${r}) {
    let p = (bh * u.Sq + i${r}) * u.splits + sp;
    ml[2u * p] = m${r};
    ml[2u * p + 1u] = l${r};
    for (var c = 0u; c < dvc; c++) { part[p * DVC + c] = acc${r}[c]; }
  }`,
        '\n  ',
      )
    : rows(
        (r) => `if (inRange${r}) {
    let inv = select(0.0, gain / l${r}, l${r} > 0.0);
    let yb = b * u.ysb + h * u.ysh + i${r} * u.ysi;
    for (var c = 0u; c < dvc; c++) { storeY(yb, c, acc${r}[c] * inv); }
  }`,
        '\n  ',
      );
  const gain = split ? '' : `let gain = ${f.headMask ? 'heads[u.Hq + h]' : '1.0'};`;
  // The key range of this invocation: all visible keys, or their intersection with split sp.
  // A head whose headMask gain is 0 runs no key block at all (its output is 0 whatever the scores): pruned heads
  // cost nothing but the zeros written. h is uniform over a workgroup, so the barriers stay uniform.
  const end = split ? 'min(jEndU, sp * u.splitKeys + u.splitKeys)' : 'jEndU';
  const to = f.headMask ? `select(${end}, jFrom, heads[u.Hq + h] == 0.0)` : end;
  const splitRange = split
    ? `let jFrom = max(j0s, sp * u.splitKeys);\n  let jTo = ${to};`
    : `let jFrom = j0s;\n  let jTo = ${to};`;

  // D = 0: every score is 0 and nothing reads q or k; these uses keep their bindings in the 'auto' layout (and
  // the key tile loop divides by max(DC, 1): a constant division by zero does not compile, the loop never runs).
  const keepQK = D === 0 ? '_ = arrayLength(&q);\n  _ = arrayLength(&k);' : '';
  const body = shared
    ? `
  ${keepQK}
  ${split ? 'let sp = group % u.splits;\n  let tile = group / u.splits;' : 'let tile = group;'}
  let tiles = (u.Sq + WG - 1u) / WG;
  let bh = tile / tiles;
  // A grid over 65,535 workgroups is folded into two dimensions, whose last row may run past the work;
  // the condition is workgroup-uniform, so returning before the barriers is allowed.
  if (bh >= u.B * u.Hq) { return; }
  let h = bh % u.Hq;
  let b = bh / u.Hq;
  let first = (tile % tiles) * WG;
  let last = min(first + WG, u.Sq) - 1u;
  let inRange0 = first + lid < u.Sq;
  let i0 = min(first + lid, u.Sq - 1u);
  ${rowState}
  ${loadQueries}
  ${keyRange(f, 'first', 'last')}
  ${splitRange}
  for (var j0 = jFrom; j0 < jTo; j0 += KB) {
    for (var e = lid; e < KB * DC; e += WG) {
      let j = j0 + e / max(DC, 1u);
      var value = vec4<f32>(0.0);
      if (j < jTo) { value = loadK(b * u.ksb + kvh * u.ksh + j * u.ksj, e % max(DC, 1u)); }
      tileK[e] = value;
    }
    for (var e = lid; e < KB * DVC; e += WG) {
      let j = j0 + e / DVC;
      var value = vec4<f32>(0.0);
      if (j < jTo) { value = loadV(b * u.vsb + kvh * u.vsh + j * u.vsj, e % DVC); }
      tileV[e] = value;
    }
    workgroupBarrier();
    if (inRange0) {${block}
    }
    workgroupBarrier();
  }
  ${gain}
  ${finish}`
    : `
  ${keepQK}
  ${split ? 'let sp = index % u.splits;\n  let rowIndex = index / u.splits;' : 'let rowIndex = index;'}
  let rowGroups = (u.Sq + R - 1u) / R;
  let first = (rowIndex % rowGroups) * R;
  let last = min(first + R, u.Sq) - 1u;
  let bh = rowIndex / rowGroups;
  let h = bh % u.Hq;
  let b = bh / u.Hq;
  ${rows((r) => `let inRange${r} = first + ${r}u < u.Sq;\n  let i${r} = min(first + ${r}u, u.Sq - 1u);`, '\n  ')}
  ${rowState}
  ${loadQueries}
  ${keyRange(f, 'first', 'last')}
  ${splitRange}
  for (var j0 = jFrom; j0 < jTo; j0 += KB) {${block}
  }
  ${gain}
  ${finish}`;

  const tiles = shared
    ? `var<workgroup> tileK: array<vec4<f32>, ${KB * Math.max(DC, 1)}>;\nvar<workgroup> tileV: array<vec4<f32>, ${KB * Math.max(DVC, 1)}>;`
    : '';
  return {
    key,
    spec: {
      uniforms: split ? [...ATTENTION_UNIFORMS, ...SPLIT_UNIFORMS] : ATTENTION_UNIFORMS,
      buffers: [
        { name: 'q', element: elem, access: 'read' },
        { name: 'k', element: elem, access: 'read' },
        { name: 'v', element: elem, access: 'read' },
        ...(split
          ? [
              { name: 'ml', element: 'f32', access: 'read_write' as const },
              { name: 'part', element: 'vec4<f32>', access: 'read_write' as const },
            ]
          : [{ name: 'y', element: vec4 ? 'vec4<f32>' : 'f32', access: 'read_write' as const }]),
        ...biasBindings(f, true, true),
      ],
      workgroupSize: WG,
      enableF16: element === 'f16',
      guard: shared ? undefined : 'rows',
      prelude: `const DC: u32 = ${DC}u;\nconst DVC: u32 = ${DVC}u;\nconst QA: u32 = ${Math.max(DC, 1)}u;\nconst VA: u32 = ${Math.max(DVC, 1)}u;\nconst KB: u32 = ${KB}u;\nconst R: u32 = ${R}u;\n${tiles}\n${biasFunction(f)}\n${ROW_GEOMETRY}\n${loaders}\n${split ? '' : storeYFunction(vec4)}`,
      body,
    },
  };
}
