import type { Kernel } from '../pipelines.js';
import { storeYFunction } from './attention-common.js';

/**
 * Second pass of split-over-keys attention: the partials of the streaming kernel's split pass, combined
 * with log-sum-exp rescaling into y. One invocation per (row, 4-wide chunk c of Dv); row = (b·Hq + h)·Sq + i.
 *
 *   m_s, l_s, a_s   partial s of the row: running max, Σ exp(score − m_s), Σ exp(score − m_s)·v (a 4-wide chunk)
 *   M               max of m_s over partials with l_s > 0 (a split that saw no visible key has l_s = 0)
 *   y               gain_h · Σ a_s·exp(m_s − M) / Σ l_s·exp(m_s − M); exactly 0 when no partial has l_s > 0,
 *                   which is the contract's fully-masked row (the test is on the masks: l_s > 0 iff a key was visible)
 */
export const MERGE_UNIFORMS = [
  ['count', 'u32'],
  ['Hq', 'u32'],
  ['Sq', 'u32'],
  ['Dv', 'u32'],
  ['splits', 'u32'],
  ['ysb', 'u32'],
  ['ysh', 'u32'],
  ['ysi', 'u32'],
] as const;

export function attentionMergeKernel(Dv: number, vec4: boolean, headMask: boolean): Kernel {
  const DVC = Math.ceil(Dv / 4);
  const body = `
  let c = index % DVC;
  let row = index / DVC;
  let i = row % u.Sq;
  let bh = row / u.Sq;
  let h = bh % u.Hq;
  let b = bh / u.Hq;
  let first = row * u.splits;
  var M = -3.4e38;
  for (var s = 0u; s < u.splits; s++) {
    let p = first + s;
    if (ml[2u * p + 1u] > 0.0) { M = max(M, ml[2u * p]); }
  }
  var L = 0.0;
  var acc = vec4<f32>(0.0);
  for (var s = 0u; s < u.splits; s++) {
    let p = first + s;
    let l = ml[2u * p + 1u];
    if (l > 0.0) {
      let w = exp(ml[2u * p] - M);
      L += l * w;
      acc += part[p * DVC + c] * w;
    }
  }
  let gain = ${headMask ? 'heads[u.Hq + h]' : '1.0'};
  let inv = select(0.0, gain / L, L > 0.0);
  storeY(b * u.ysb + h * u.ysh + i * u.ysi, c, acc * inv);`;
  return {
    key: `attention-merge:dv${Dv}:${vec4 ? 'v4' : 's'}${headMask ? ':g' : ''}`,
    spec: {
      uniforms: MERGE_UNIFORMS,
      buffers: [
        { name: 'ml', element: 'f32', access: 'read' },
        { name: 'part', element: 'vec4<f32>', access: 'read' },
        { name: 'y', element: vec4 ? 'vec4<f32>' : 'f32', access: 'read_write' },
        ...(headMask ? [{ name: 'heads', element: 'f32', access: 'read' as const }] : []),
      ],
      workgroupSize: 64,
      guard: 'count',
      prelude: `const DVC: u32 = ${DVC}u;\n${storeYFunction(vec4)}`,
      body,
    },
  };
}
