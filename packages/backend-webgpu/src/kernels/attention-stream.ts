import type { Kernel } from '../pipelines.js';
import { ATTENTION_UNIFORMS, type BiasFeatures, ROW_GEOMETRY, biasBindings, biasFunction, featureKey, keyRange } from './attention-bias.js';

/**
 * Memory-efficient attention: one query row per invocation, keys and values streamed in blocks of KB with
 * an online softmax (running max m, running sum l, output accumulator rescaled when m grows). No score
 * matrix exists; a row whose every key is masked keeps l = 0 and writes exact zeros.
 *
 *   strategy 'registers': each invocation reads its keys straight from storage (best on software adapters)
 *   strategy 'shared':    a workgroup of WG rows of one head loads each key/value block into workgroup
 *                         memory once, then every row uses it (best on real GPUs)
 *   vec4:                 q/k/v/y read and written as vec4 (needs D and Dv multiples of 4)
 *   element:              'f32', or 'f16' storage (precision float16), always f32 arithmetic
 */
export interface AttentionTuning {
  readonly strategy: 'registers' | 'shared';
  readonly workgroupSize: number;
  readonly keyBlock: number;
  readonly vec4: boolean;
}

export function streamingAttentionKernel(f: BiasFeatures, D: number, Dv: number, tuning: AttentionTuning, element: 'f32' | 'f16'): Kernel {
  const DC = Math.ceil(D / 4);
  const DVC = Math.ceil(Dv / 4);
  const { strategy, workgroupSize: WG, keyBlock: KB, vec4 } = tuning;
  const key = `attention-stream:${strategy}:wg${WG}:kb${KB}:${vec4 ? 'v4' : 's'}:${element}:d${D}:dv${Dv}:${featureKey(f)}`;
  const vecType = element === 'f16' ? 'vec4<f16>' : 'vec4<f32>';
  const loaders = vec4
    ? `fn loadQ(base: u32, c: u32) -> vec4<f32> { return vec4<f32>(q[(base >> 2u) + c]); }
fn loadK(base: u32, c: u32) -> vec4<f32> { return vec4<f32>(k[(base >> 2u) + c]); }
fn loadV(base: u32, c: u32) -> vec4<f32> { return vec4<f32>(v[(base >> 2u) + c]); }
fn storeY(base: u32, c: u32, value: vec4<f32>) { y[(base >> 2u) + c] = value; }`
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
fn loadV(base: u32, c: u32) -> vec4<f32> { return gather4(2u, base, c, u.Dv); }
fn storeY(base: u32, c: u32, value: vec4<f32>) {
  for (var e = 0u; e < 4u; e++) { let d = c * 4u + e; if (d < u.Dv) { y[base + d] = value[e]; } }
}`;
  const elem = vec4 ? vecType : element;
  // Head-size loops are unrolled into named vec4 registers (q0…, acc0…): dynamically indexed private
  // arrays live in memory on the software adapters, named values stay in registers.
  const each = (n: number, line: (c: number) => string, sep = '\n') => Array.from({ length: n }, (_, c) => line(c)).join(sep);
  const shared = strategy === 'shared';
  const keyAt = (c: number) => (shared ? `tileK[t * DC + ${c}u]` : `loadK(kb, ${c}u)`);
  const valueAt = (c: number) => (shared ? `tileV[t * DVC + ${c}u]` : `loadV(vb, ${c}u)`);

  // One block of KB keys: scores, block max, rescale, accumulate.
  const block = `
      var s: array<f32, KB>;
      var blockMax = -3.4e38;
      for (var t = 0u; t < KB; t++) {
        let j = j0 + t;
        var sc = negInf();
        if (j < jEndU) {
          ${shared ? '' : 'let kb = b * u.ksb + kvh * u.ksh + j * u.ksj;'}
          let dotqk = ${each(DC, (c) => `dot(q${c}, ${keyAt(c)})`, ' + ')};
          sc = softcapped(dotqk * u.scale);
          let bias = keyBias(b, h, i, j, diag, vl);
          sc = select(sc + bias, negInf(), isMasked(bias));
        }
        s[t] = sc;
        if (!isMasked(sc)) { blockMax = max(blockMax, sc); }
      }
      if (!isMasked(blockMax)) {
        if (blockMax > m) {
          let correction = exp(m - blockMax);
          l *= correction;
          ${each(DVC, (c) => `acc${c} *= correction;`, '\n          ')}
          m = blockMax;
        }
        for (var t = 0u; t < KB; t++) {
          if (!isMasked(s[t])) {
            let j = j0 + t;
            ${shared ? '' : 'let vb = b * u.vsb + kvh * u.vsh + j * u.vsj;'}
            let p = exp(s[t] - m);
            l += p;
            ${each(DVC, (c) => `acc${c} += p * ${valueAt(c)};`, '\n            ')}
          }
        }
      }`;

  const rowSetup = `
  let kvh = h / u.groupSize;
  let vl = validLength(b);
  let diag = diagonal(b, i);
  ${each(DC, (c) => `var q${c} = vec4<f32>(0.0);`, '\n  ')}
  ${each(DVC, (c) => `var acc${c} = vec4<f32>(0.0);`, '\n  ')}
  var m = -3.4e38;
  var l = 0.0;`;
  const rowFinish = `
    let gain = ${f.headMask ? 'heads[u.Hq + h]' : '1.0'};
    let inv = select(0.0, gain / l, l > 0.0);
    let yb = b * u.ysb + h * u.ysh + i * u.ysi;
    ${each(DVC, (c) => `storeY(yb, ${c}u, acc${c} * inv);`, '\n    ')}`;

  const body = shared
    ? `
  let tiles = (u.Sq + WG - 1u) / WG;
  let bh = group / tiles;
  let h = bh % u.Hq;
  let b = bh / u.Hq;
  let first = (group % tiles) * WG;
  let last = min(first + WG, u.Sq) - 1u;
  let i = first + lid;
  let inRange = i < u.Sq;
  ${rowSetup}
  if (inRange) {
    let qb = b * u.qsb + h * u.qsh + i * u.qsi;
    ${each(DC, (c) => `q${c} = loadQ(qb, ${c}u);`, '\n    ')}
  }
  ${keyRange(f, 'first', 'last')}
  for (var j0 = j0s; j0 < jEndU; j0 += KB) {
    for (var e = lid; e < KB * DC; e += WG) {
      let j = j0 + e / DC;
      var value = vec4<f32>(0.0);
      if (j < jEndU) { value = loadK(b * u.ksb + kvh * u.ksh + j * u.ksj, e % DC); }
      tileK[e] = value;
    }
    for (var e = lid; e < KB * DVC; e += WG) {
      let j = j0 + e / DVC;
      var value = vec4<f32>(0.0);
      if (j < jEndU) { value = loadV(b * u.vsb + kvh * u.vsh + j * u.vsj, e % DVC); }
      tileV[e] = value;
    }
    workgroupBarrier();
    if (inRange) {${block}
    }
    workgroupBarrier();
  }
  if (inRange) {${rowFinish}
  }`
    : `
  let i = index % u.Sq;
  let bh = index / u.Sq;
  let h = bh % u.Hq;
  let b = bh / u.Hq;
  ${rowSetup}
  let qb = b * u.qsb + h * u.qsh + i * u.qsi;
  ${each(DC, (c) => `q${c} = loadQ(qb, ${c}u);`, '\n  ')}
  ${keyRange(f, 'i', 'i')}
  for (var j0 = j0s; j0 < jEndU; j0 += KB) {${block}
  }
  {${rowFinish}
  }`;

  const tiles = shared ? `var<workgroup> tileK: array<vec4<f32>, ${KB * DC}>;\nvar<workgroup> tileV: array<vec4<f32>, ${KB * DVC}>;` : '';
  return {
    key,
    spec: {
      uniforms: ATTENTION_UNIFORMS,
      buffers: [
        { name: 'q', element: elem, access: 'read' },
        { name: 'k', element: elem, access: 'read' },
        { name: 'v', element: elem, access: 'read' },
        { name: 'y', element: vec4 ? 'vec4<f32>' : 'f32', access: 'read_write' },
        ...biasBindings(f, true),
      ],
      workgroupSize: WG,
      enableF16: element === 'f16',
      guard: shared ? undefined : 'rows',
      prelude: `const DC: u32 = ${DC}u;\nconst DVC: u32 = ${DVC}u;\nconst KB: u32 = ${KB}u;\n${tiles}\n${biasFunction(f)}\n${ROW_GEOMETRY}\n${loaders}`,
      body,
    },
  };
}
