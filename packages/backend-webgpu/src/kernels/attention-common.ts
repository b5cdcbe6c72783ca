import type { Kernel } from '../pipelines.js';
import {
  ATTENTION_UNIFORMS,
  type BiasFeatures,
  biasBindings,
  biasFunction,
  featureKey,
  ROW_GEOMETRY,
  rowTop,
} from './attention-bias.js';

/**
 * What the streaming attention kernels (attention-registers.ts, attention-shared.ts, attention-subgroup.ts)
 * share: the variant description, the loaders, the online-softmax step over one block of keys, the per-row
 * state and the code that writes a row's result. Every kernel keeps, per query row r it owns:
 *
 *   m{r}, l{r}     running max and Σ exp(score − m) over the keys seen; l = 0 while no key was visible
 *   acc{r}[c]      Σ exp(score − m)·v, chunk c (4 wide) of Dv, rescaled by exp(m_old − m_new) when m grows
 *   q{r}[c]        the query row, chunk c of D
 *
 * A row whose every key is masked keeps l = 0 and writes exact zeros. An additive mask enters less its row
 * maximum (`top`, CONTRACT.md rule 7), read from the `tops` of attentionRowMaxKernel.
 */

/**
 * One streaming-attention variant; the tuner's choice, `createBackend({ tuning })`'s pins and the autotuner's
 * candidates (attention-variants.ts) all speak it.
 *
 *   strategy 'registers': each invocation owns R query rows and reads its keys straight from storage
 *                         (best on software adapters)
 *   strategy 'shared':    a workgroup of WG rows of one head loads each key/value block into workgroup
 *                         memory once, then every row uses it (FlashAttention-2 style; best on real GPUs)
 *   strategy 'subgroup':  a workgroup owns R query rows and its WG lanes split their keys; the lanes' maxima,
 *                         sums and accumulators are combined with subgroupMax/subgroupAdd (needs the adapter's
 *                         `subgroups` feature; the decode kernel: few query rows, many keys)
 *   rowsPerInvocation:    R query rows per invocation ('registers') or per workgroup ('subgroup'); 1 in 'shared'
 *   keyBlock:             KB keys per online-softmax step (per lane in 'subgroup', per tile in 'shared')
 *   splitKeys:            0, or SK > 0: the split-over-keys pass (flash-decoding). Launches × u.splits, split sp
 *                         walks only keys [sp·SK, sp·SK + SK) and writes its partial (m, l) to `ml` and the
 *                         unnormalized accumulator to `part` at p = (bh·Sq + i)·splits + sp; attention-merge.ts
 *                         combines them into y (a split with no visible key leaves l = 0)
 *   vec4:                 q/k/v/y read and written as vec4 (needs D and Dv multiples of 4)
 */
export interface AttentionTuning {
  readonly strategy: AttentionStrategy;
  readonly workgroupSize: number;
  readonly keyBlock: number;
  readonly vec4: boolean;
  /** Query rows per invocation ('registers') or per workgroup ('subgroup'); 'shared' uses 1. */
  readonly rowsPerInvocation: number;
  /** Keys per split for the split-over-keys path; 0 = every invocation walks all its keys (one pass). */
  readonly splitKeys: number;
}

export type AttentionStrategy = 'registers' | 'shared' | 'subgroup';

export const ATTENTION_STRATEGIES: readonly AttentionStrategy[] = ['registers', 'shared', 'subgroup'];

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

/** `loadQ/K/V(base, c)`: chunk c (4 wide, f32) of a row at element offset base; scalar loads zero-pad. */
function loaderFunctions(vec4: boolean): string {
  return vec4
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
}

/**
 * WGSL generation for R query rows. Only the rows are unrolled (R is a tuning parameter, at most a handful): the
 * head size is walked by loops over vec4 chunks of private arrays whose trip count is a uniform, so no compiler
 * unrolls them and the shader's size does not grow with D. Unrolling over D into named registers made the WGSL,
 * and the live values a compiler must track, grow with D: Mesa's lavapipe (llvmpipe) compiles a compute shader
 * as an LLVM coroutine on its first dispatch, and LLVM 15's CoroSplit (buildCoroutineFrame) ran for minutes and
 * gigabytes on D = 64 at one row per invocation (D = 8: 30 ms).
 */
export class RowCode {
  constructor(
    readonly R: number,
    private readonly f: BiasFeatures,
    private readonly split: boolean,
  ) {}

  /** `line(r)` for every row, joined. */
  rows(line: (r: number) => string, sep = '\n  '): string {
    return Array.from({ length: this.R }, (_, r) => line(r)).join(sep);
  }

  /** Per-row state; needs b, h, i{r} in scope. */
  state(): string {
    return `
  let kvh = h / u.groupSize;
  let vl = validLength(b);
  // Chunk counts as runtime values (the same as DC and DVC): loops over them are never unrolled.
  let dc = (u.D + 3u) / 4u;
  let dvc = (u.Dv + 3u) / 4u;
  ${this.rows((r) => `let diag${r} = diagonal(b, i${r});`)}
  ${this.rows((r) => `let top${r} = ${rowTop(this.f, `i${r}`)};`)}
  ${this.rows((r) => `var q${r}: array<vec4<f32>, QA>;\n  var acc${r}: array<vec4<f32>, VA>;`)}
  ${this.rows((r) => `var m${r} = -3.4e38;\n  var l${r} = 0.0;`)}`;
  }

  /** Loads the query rows in range into q{r}. */
  loadQueries(): string {
    return this.rows(
      (r) => `if (inRange${r}) {
    let qb = b * u.qsb + h * u.qsh + i${r} * u.qsi;
    for (var c = 0u; c < dc; c++) { q${r}[c] = loadQ(qb, c); }
  }`,
    );
  }

  /**
   * jFrom, jTo: the keys this invocation walks, all visible ones or their intersection with split sp. A head
   * whose headMask gain is 0 walks none (its output is 0 whatever the scores): pruned heads cost nothing but the
   * zeros written. Needs the keyRange (j0s, jEndU) in scope.
   */
  keyBounds(): string {
    const end = this.split ? 'min(jEndU, sp * u.splitKeys + u.splitKeys)' : 'jEndU';
    const to = this.f.headMask ? `select(${end}, jFrom, heads[u.Hq + h] == 0.0)` : end;
    return `let jFrom = ${this.split ? 'max(j0s, sp * u.splitKeys)' : 'j0s'};\n  let jTo = ${to};`;
  }

  /**
   * One online-softmax step over keys [j0, j0 + KB) ∩ [.., jTo): scores, block max, rescale, accumulate. Each
   * key and value chunk is loaded once per step and used by all R rows. `keyAt`/`valueAt` read chunk c of key
   * t of the block (from storage through kb/vb, or from a workgroup tile).
   */
  block(keyAt: string, valueAt: string, fromStorage: boolean): string {
    const rows = (line: (r: number) => string, sep: string) => this.rows(line, sep);
    return `
      ${rows((r) => `var s${r}: array<f32, KB>;\n      var blockMax${r} = -3.4e38;`, '\n      ')}
      for (var t = 0u; t < KB; t++) {
        let j = j0 + t;
        ${rows((r) => `s${r}[t] = negInf();`, ' ')}
        if (j < jTo) {
          ${fromStorage ? 'let kb = b * u.ksb + kvh * u.ksh + j * u.ksj;' : ''}
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
          ${fromStorage ? 'let vb = b * u.vsb + kvh * u.vsh + j * u.vsj;' : ''}
          ${rows((r) => `let p${r} = select(0.0, exp(s${r}[t] - m${r}), live${r});\n          l${r} += p${r};`, '\n          ')}
          for (var c = 0u; c < dvc; c++) {
            let vc = ${valueAt};
            ${rows((r) => `if (live${r}) { acc${r}[c] += p${r} * vc; }`, ' ')}
          }
        }
      }`;
  }

  /**
   * Writes row r's result, where `m`, `l` name its max and sum and `chunk` (a WGSL expression of c) its
   * accumulator chunk c, for chunks c = cFrom, cFrom + cStep, … < dvc: y = gain · acc / l (0 when l = 0), or
   * the split pass's partial (m, l, acc), whose (m, l) only the invocation with `writesML` stores.
   */
  finish(r: number, m: string, l: string, chunk: string, cFrom = '0u', cStep = '1u', writesML = 'true'): string {
    const loop = `for (var c = ${cFrom}; c < dvc; c += ${cStep})`;
    if (this.split) {
      return `if (inRange${r}) {
    let p = (bh * u.Sq + i${r}) * u.splits + sp;
    if (${writesML}) {
      ml[2u * p] = ${m};
      ml[2u * p + 1u] = ${l};
    }
    ${loop} { part[p * DVC + c] = ${chunk}; }
  }`;
    }
    const gain = this.f.headMask ? 'heads[u.Hq + h]' : '1.0';
    return `if (inRange${r}) {
    let inv = select(0.0, ${gain} / ${l}, ${l} > 0.0);
    let yb = b * u.ysb + h * u.ysh + i${r} * u.ysi;
    ${loop} { storeY(yb, c, ${chunk} * inv); }
  }`;
  }
}

/**
 * D = 0: every score is 0 and nothing reads q or k; these uses keep their bindings in the 'auto' layout (and
 * a key tile loop divides by max(DC, 1): a constant division by zero does not compile, the loop never runs).
 */
/**
 * WGSL: the query rows that a workgroup ('group') or an invocation ('index') owns, `rows` at a time:
 * source → (split sp,) rowGroup → bh = rowGroup / ⌈Sq/rows⌉ → (b, h), rows first … last. A grid over 65,535
 * workgroups is folded into two dimensions whose last row may run past the work: kernels with barriers return
 * there (`uniformReturn`: the condition is workgroup-uniform, so that is allowed); the others guard their writes.
 */
export function rowGroupGeometry(
  source: 'group' | 'index',
  rows: string,
  split: boolean,
  uniformReturn: boolean,
): string {
  return `${split ? `let sp = ${source} % u.splits;\n  let rowGroup = ${source} / u.splits;` : `let rowGroup = ${source};`}
  let rowGroups = (u.Sq + ${rows} - 1u) / ${rows};
  let bh = rowGroup / rowGroups;${uniformReturn ? '\n  if (bh >= u.B * u.Hq) { return; }' : ''}
  let h = bh % u.Hq;
  let b = bh / u.Hq;
  let first = (rowGroup % rowGroups) * ${rows};
  let last = min(first + ${rows}, u.Sq) - 1u;`;
}

export function keepQK(D: number): string {
  return D === 0 ? '_ = arrayLength(&q);\n  _ = arrayLength(&k);' : '';
}

export interface StreamKernelParts {
  readonly f: BiasFeatures;
  readonly D: number;
  readonly Dv: number;
  readonly tuning: AttentionTuning;
  readonly element: 'f32' | 'f16';
  /** Query rows per invocation or workgroup, as compiled (1 in 'shared'). */
  readonly R: number;
  readonly body: string;
  /** Module-level declarations of the strategy (workgroup memory, its own functions). */
  readonly declarations?: string;
  readonly guard?: string;
  readonly enableSubgroups?: boolean;
}

/** The Kernel of a strategy's body: key, bindings (the split pass writes partials instead of y), prelude. */
export function streamKernel(parts: StreamKernelParts): Kernel {
  const { f, D, Dv, tuning, element, R } = parts;
  const { strategy, workgroupSize: WG, keyBlock: KB, vec4 } = tuning;
  const split = tuning.splitKeys > 0;
  const DC = Math.ceil(D / 4);
  const DVC = Math.ceil(Dv / 4);
  const key = `attention-stream:${strategy}:wg${WG}:kb${KB}:r${R}:${vec4 ? 'v4' : 's'}:${element}:d${D}:dv${Dv}:${featureKey(f)}${split ? ':split' : ''}`;
  const elem = vec4 ? (element === 'f16' ? 'vec4<f16>' : 'vec4<f32>') : element;
  const constants = [`DC: u32 = ${DC}u`, `DVC: u32 = ${DVC}u`, `QA: u32 = ${Math.max(DC, 1)}u`]
    .concat([`VA: u32 = ${Math.max(DVC, 1)}u`, `KB: u32 = ${KB}u`, `R: u32 = ${R}u`])
    .map((c) => `const ${c};`)
    .join('\n');
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
      enableSubgroups: parts.enableSubgroups,
      guard: parts.guard,
      prelude: [
        constants,
        parts.declarations ?? '',
        biasFunction(f),
        ROW_GEOMETRY,
        loaderFunctions(vec4),
        split ? '' : storeYFunction(vec4),
      ].join('\n'),
      body: parts.body,
    },
  };
}
