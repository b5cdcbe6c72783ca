import type { Kernel } from '../pipelines.js';
import { type BiasFeatures, keyRange } from './attention-bias.js';
import { type AttentionTuning, keepQK, RowCode, rowGroupGeometry, streamKernel } from './attention-common.js';

/**
 * FlashAttention-2-style streaming attention: a workgroup owns WG consecutive query rows of one head (one per
 * invocation); for each block of KB keys its invocations load the keys and values into workgroup memory
 * together (tileK, tileV), then every row runs its online-softmax step on the tile. Each key is read from
 * storage once per workgroup instead of once per row: best on real GPUs, where that traffic dominates.
 *
 *   rowGroupGeometry('group', WG rows); invocation lid owns row first + lid
 */
export function sharedAttentionKernel(
  f: BiasFeatures,
  D: number,
  Dv: number,
  tuning: AttentionTuning,
  element: 'f32' | 'f16',
): Kernel {
  const { keyBlock: KB } = tuning;
  const split = tuning.splitKeys > 0;
  const code = new RowCode(1, f, split);
  const DC = Math.ceil(D / 4);
  const DVC = Math.ceil(Dv / 4);
  const body = `
  ${keepQK(D)}
  ${rowGroupGeometry('group', 'WG', split, true)}
  let inRange0 = first + lid < u.Sq;
  let i0 = min(first + lid, u.Sq - 1u);
  ${code.state()}
  ${code.loadQueries()}
  ${keyRange(f, 'first', 'last')}
  ${code.keyBounds()}
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
    if (inRange0) {${code.block('tileK[t * DC + c]', 'tileV[t * DVC + c]', false)}
    }
    workgroupBarrier();
  }
  ${code.finish(0, 'm0', 'l0', 'acc0[c]')}`;
  const declarations = `var<workgroup> tileK: array<vec4<f32>, ${KB * Math.max(DC, 1)}>;
var<workgroup> tileV: array<vec4<f32>, ${KB * Math.max(DVC, 1)}>;`;
  return streamKernel({ f, D, Dv, tuning, element, R: 1, body, declarations });
}

/** Workgroup memory of the 'shared' kernel: one tile of KB keys and one of KB values, as vec4<f32>. */
export function sharedStorageBytes(D: number, Dv: number, keyBlock: number): number {
  return 16 * keyBlock * (Math.max(Math.ceil(D / 4), 1) + Math.max(Math.ceil(Dv / 4), 1));
}
