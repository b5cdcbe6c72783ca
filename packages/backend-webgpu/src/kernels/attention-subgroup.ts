import type { Kernel } from '../pipelines.js';
import { type BiasFeatures, keyRange } from './attention-bias.js';
import { type AttentionTuning, keepQK, RowCode, rowGroupGeometry, streamKernel } from './attention-common.js';

/**
 * Streaming attention with the keys split over a workgroup's lanes, combined through subgroup operations: the
 * decode kernel (few query rows, many keys), where one invocation per row would leave the device idle while it
 * walks every key. Needs the adapter's `subgroups` feature; correct for any subgroup size and any assignment of
 * lanes to subgroups (neither is assumed: the WebGPU floor of 4 lanes bounds the number of subgroups).
 *
 *   rowGroupGeometry('group', R rows), shared by the whole workgroup
 *   lane lid walks key blocks j0 = jFrom + lid·KB, jFrom + (lid + WG)·KB, …, an online softmax per row of its own
 *     (m, l, acc): no communication and no barrier while the keys stream
 *   then, per row: M_s = subgroupMax(m) over subgroup s, w = exp(m − M_s), L_s = subgroupAdd(l·w),
 *     A_s = subgroupAdd(acc·w) chunk by chunk; one lane per subgroup stores (M_s, L_s, A_s) in slot s of
 *     workgroup memory; after a barrier the lanes split the Dv chunks and combine the slots with the same
 *     log-sum-exp rescaling (M = max M_s, L = Σ L_s·exp(M_s − M)) into y, or into the split pass's partials
 *
 * A lane or subgroup that saw no visible key has l = 0 and weighs nothing; a row with none writes zeros. Slots are
 * handed out in arrival order by an atomic counter, so a subgroup's slot never depends on how the adapter
 * numbers its lanes. Control flow is uniform over the workgroup wherever a subgroup operation or a barrier
 * runs (rows come from the workgroup id; the per-lane key loops have closed), as WGSL's uniformity analysis
 * requires.
 */
export function subgroupAttentionKernel(
  f: BiasFeatures,
  D: number,
  Dv: number,
  tuning: AttentionTuning,
  element: 'f32' | 'f16',
): Kernel {
  const R = tuning.rowsPerInvocation;
  const split = tuning.splitKeys > 0;
  const code = new RowCode(R, f, split);
  const combine = (r: number) => `
  {
    let M = subgroupMax(m${r});
    let w = select(0.0, exp(m${r} - M), l${r} > 0.0);
    let L = subgroupAdd(l${r} * w);
    for (var c = 0u; c < dvc; c++) {
      let a = subgroupAdd(acc${r}[c] * w);
      if (leader) { slotAcc[slot * VA + c] = a; }
    }
    if (leader) {
      slotM[slot] = M;
      slotL[slot] = L;
    }
    workgroupBarrier();
    var rowM = -3.4e38;
    for (var s = 0u; s < slots; s++) { if (slotL[s] > 0.0) { rowM = max(rowM, slotM[s]); } }
    var rowL = 0.0;
    for (var s = 0u; s < slots; s++) { if (slotL[s] > 0.0) { rowL += slotL[s] * exp(slotM[s] - rowM); } }
    ${code.finish(r, 'rowM', 'rowL', 'rowChunk(c, rowM)', 'lid', 'WG', 'lid == 0u')}
    ${r < R - 1 ? 'workgroupBarrier();' : ''}
  }`;
  const body = `
  ${keepQK(D)}
  ${rowGroupGeometry('group', 'R', split, true)}
  ${code.rows((r) => `let inRange${r} = first + ${r}u < u.Sq;\n  let i${r} = min(first + ${r}u, u.Sq - 1u);`)}
  ${code.state()}
  ${code.loadQueries()}
  ${keyRange(f, 'first', 'last')}
  ${code.keyBounds()}
  for (var j0 = jFrom + lid * KB; j0 < jTo; j0 += WG * KB) {${code.block('loadK(kb, c)', 'loadV(vb, c)', true)}
  }
  let leader = sid == subgroupMin(sid);
  var slot = 0u;
  if (leader) { slot = atomicAdd(&slotCount, 1u); }
  slot = subgroupMax(slot);
  workgroupBarrier();
  let slots = atomicLoad(&slotCount);
  ${code.rows(combine, '')}`;
  const NS = subgroupSlots(tuning.workgroupSize);
  const declarations = `const NS: u32 = ${NS}u;
var<workgroup> slotCount: atomic<u32>;
var<workgroup> slotM: array<f32, NS>;
var<workgroup> slotL: array<f32, NS>;
var<workgroup> slotAcc: array<vec4<f32>, ${NS * Math.max(Math.ceil(Dv / 4), 1)}>;
// Chunk c of the row's accumulator: the slots' chunks rescaled to the row maximum M.
fn rowChunk(c: u32, M: f32) -> vec4<f32> {
  var a = vec4<f32>(0.0);
  for (var s = 0u; s < atomicLoad(&slotCount); s++) {
    if (slotL[s] > 0.0) { a += slotAcc[s * VA + c] * exp(slotM[s] - M); }
  }
  return a;
}`;
  return streamKernel({ f, D, Dv, tuning, element, R, body, declarations, enableSubgroups: true });
}

/** The most subgroups a workgroup of WG lanes can hold: WebGPU's subgroups have at least 4 lanes. */
export function subgroupSlots(workgroupSize: number): number {
  return Math.ceil(workgroupSize / 4);
}

/** Workgroup memory of the 'subgroup' kernel: per slot a max, a sum and Dv/4 accumulator chunks, and the counter. */
export function subgroupStorageBytes(Dv: number, workgroupSize: number): number {
  return subgroupSlots(workgroupSize) * (8 + 16 * Math.max(Math.ceil(Dv / 4), 1)) + 4;
}

/** Whether the 'subgroup' kernel's workgroup memory for WG lanes fits in `limitBytes`. */
export function subgroupFits(Dv: number, workgroupSize: number, limitBytes: number): boolean {
  return subgroupStorageBytes(Dv, workgroupSize) <= limitBytes;
}
