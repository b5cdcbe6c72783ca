import { seedFor } from '../random.js';
import { type AttentionSpec, type MaskSpec, PERF_GROUPS, type PerfGrid, type PerfSize, totalKeys } from '../spec.js';
import type { PerfCase } from '../types.js';
import { ATTENTION_ENTRIES } from './attention.js';

/**
 * The perf cases of a grid: every perf-tagged attention entry at each of the grid's sizes for its tags, by
 * row group (PERF_GROUPS), then in the order of attention.ts. Ids: `feature/name[B,H,Sq,T,D]`, plus
 * `@float16` for a float16 tag; the seed depends on the id without the precision, so both precisions time
 * the same tensors.
 */
export function listPerfCases(grid: PerfGrid): readonly PerfCase[] {
  const cases: PerfCase[] = [];
  for (const entry of ATTENTION_ENTRIES) {
    const entryId = `${entry.feature}/${entry.name}`;
    for (const tag of entry.perf ?? []) {
      const precision = tag.precision ?? 'float32';
      for (const size of tag.sizes[grid] ?? []) {
        const spec = atSize(entry.spec, size, entryId);
        const sized = `${entryId}${shapeLabel(spec)}`;
        cases.push({
          id: precision === 'float16' ? `${sized}@float16` : sized,
          entryId,
          feature: entry.feature,
          group: tag.group,
          precision,
          title: `${tag.group}: ${entryId} at ${shapeLabel(spec)}${precision === 'float16' ? ' in float16' : ''}`,
          heavy: size.heavy ?? false,
          spec,
          seed: seedFor(sized, 1),
        });
      }
    }
  }
  const rank = (c: PerfCase) => PERF_GROUPS.indexOf(c.group);
  return cases.sort((a, b) => rank(a) - rank(b));
}

/** `[B,H,Sq,T,D]` with T the keys in all and `Hq/Hkv` in the head slot when they differ. */
export function shapeLabel(spec: AttentionSpec): string {
  const heads = spec.Hq === spec.Hkv ? `${spec.Hq}` : `${spec.Hq}/${spec.Hkv}`;
  return `[${spec.B},${heads},${spec.Sq},${totalKeys(spec)},${spec.D}]`;
}

/**
 * The spec at a size. What has a length tied to the shape (valid lengths per batch row, ALiBi slopes per head)
 * has no meaning at another size: such an entry cannot be tagged, and this says so. A head mask is the one
 * exception: it is a pattern over the entry's heads, repeated over the new ones ([1, 0] on 8 heads prunes
 * every other head), so the number of query heads must be a multiple of the entry's.
 */
function atSize(spec: AttentionSpec, size: PerfSize, entryId: string): AttentionSpec {
  const fail = (why: string): never => {
    throw new Error(`perf tag on ${entryId}: ${why}`);
  };
  if (spec.validLengths) fail('valid lengths have one entry per batch row of the entry');
  const o = spec.options ?? {};
  if (o.alibi && o.alibi !== true) fail('ALiBi slopes have one entry per head');
  const Hq = size.Hq ?? spec.Hq;
  const Hkv = size.Hkv ?? (size.Hq === undefined ? spec.Hkv : Hq / (spec.Hq / spec.Hkv));
  const P = size.P ?? spec.P;
  const T = size.T ?? totalKeys(spec);
  const sized: AttentionSpec = {
    ...spec,
    B: size.B ?? spec.B,
    Hq,
    Hkv,
    Sq: size.Sq ?? spec.Sq,
    Skv: T - (P ?? 0),
    ...(P !== undefined && { P }),
    D: size.D ?? spec.D,
  };
  if (!Number.isInteger(Hkv) || Hq % Hkv !== 0) fail(`${Hq} query heads do not group over ${Hkv} key/value heads`);
  if (sized.Skv < 0) fail(`a past of ${P} is longer than T = ${T}`);
  const headMask = o.headMask;
  if (headMask && Hq % headMask.length !== 0) fail(`a head mask of ${headMask.length} does not tile ${Hq} heads`);
  const options = headMask
    ? { ...o, headMask: Array.from({ length: Hq }, (_, h) => headMask[h % headMask.length]) }
    : spec.options;
  const withOptions = options ? { ...sized, options } : sized;
  return spec.mask ? { ...withOptions, mask: maskAtSize(spec.mask, spec, sized, fail) } : withOptions;
}

/**
 * A mask's shape at the new size. Aligned from the right with [B, Hq, Sq, T], each axis is 1 (broadcast:
 * it stays 1) or the full length (it follows the new length). A mask shorter than T cannot be scaled.
 */
function maskAtSize(mask: MaskSpec, from: AttentionSpec, to: AttentionSpec, fail: (why: string) => never): MaskSpec {
  const rank = mask.shape.length;
  const full = (s: AttentionSpec) => [s.B, s.Hq, s.Sq, totalKeys(s)].slice(4 - rank);
  const before = full(from);
  const after = full(to);
  const shape = mask.shape.map((n, axis) =>
    n === 1 ? 1 : n === before[axis] ? after[axis] : fail(`mask axis ${axis} (${n} of ${before[axis]}) has no size`),
  );
  return { ...mask, shape };
}
