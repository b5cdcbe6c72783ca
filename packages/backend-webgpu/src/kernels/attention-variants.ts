import { type AdapterClass, type AttentionShape, streamGroups } from '../tuner.js';
import type { AttentionStrategy, AttentionTuning } from './attention-common.js';
import { sharedStorageBytes } from './attention-shared.js';
import { subgroupStorageBytes } from './attention-subgroup.js';

/**
 * The attention variants worth timing for a shape on an adapter, for the autotuner: a bounded list, each one
 * valid here (its workgroup fits the adapter's invocation and workgroup-memory limits, and 'subgroup' only
 * where the device has the `subgroups` feature), so every candidate compiles and runs.
 */

/** What the candidates depend on: the adapter's class, features and limits (`adapterFacts(device, class)`). */
export interface AdapterFacts {
  readonly adapterClass: AdapterClass;
  /** The device was created with the `subgroups` feature (createBackend requests it wherever the adapter has it). */
  readonly subgroups: boolean;
  /** Lanes of a subgroup, as the adapter reports them (WebGPU's bounds, 4 and 128, where it does not). */
  readonly subgroupMinSize: number;
  readonly subgroupMaxSize: number;
  readonly maxWorkgroupStorageBytes: number;
  readonly maxInvocationsPerWorkgroup: number;
  readonly maxWorkgroupSizeX: number;
}

export function adapterFacts(device: GPUDevice, adapterClass: AdapterClass): AdapterFacts {
  const info = (device as { adapterInfo?: GPUAdapterInfo & { subgroupMaxSize?: number } }).adapterInfo;
  const { limits } = device;
  return {
    adapterClass,
    subgroups: device.features.has('subgroups'),
    subgroupMinSize: info?.subgroupMinSize || 4,
    subgroupMaxSize: info?.subgroupMaxSize || 128,
    maxWorkgroupStorageBytes: limits.maxComputeWorkgroupStorageSize,
    maxInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    maxWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
  };
}

/** At most this many candidates per shape: each costs a compile and several timed runs. */
export const MAX_CANDIDATES = 12;

/**
 * Workgroups a split launch aims at: about four per SM of a large GPU (WebGPU does not say how many it has),
 * and a few per thread of a software adapter, whose workgroups run as loops on the CPU's cores. Each split
 * keeps at least two key blocks (fewer and the merge pass costs more than it saves), at most SPLIT_MAX
 * partials per row (the merge walks them in sequence) and SPLIT_BUDGET bytes of partials.
 */
const SPLIT_GROUPS: Record<AdapterClass, number> = { hardware: 512, software: 16 };
const SPLIT_MAX = 512;
const SPLIT_BUDGET = 32 << 20;

/**
 * Candidate variants for `shape` on the adapter `facts` describes, most promising first, at most
 * MAX_CANDIDATES, no two alike: per strategy its usual choice and a neighbour or two (key block, rows per
 * invocation, workgroup size), and for few query rows over many keys the split-over-keys versions of the
 * usual choices. vec4 loads wherever D and Dv allow them (scalar loads are never faster).
 */
export function attentionCandidates(shape: AttentionShape, facts: AdapterFacts): AttentionTuning[] {
  const vec4 = shape.D % 4 === 0 && shape.Dv % 4 === 0;
  const make = (strategy: AttentionStrategy, workgroupSize: number, keyBlock: number, rows = 1): AttentionTuning => ({
    strategy,
    workgroupSize,
    keyBlock,
    // More rows than the shape has only repeats the last one.
    rowsPerInvocation: Math.max(1, Math.min(rows, shape.Sq)),
    vec4,
    splitKeys: 0,
  });
  const blocked = shape.Sq < 64 ? 1 : shape.Sq >= 256 && shape.D <= 64 ? 4 : 2;
  const tile = shape.Sq < 64 ? 32 : 64;
  // A subgroup kernel's workgroup holds at least one whole subgroup of the widest size the adapter uses.
  const lanes = Math.max(32, Math.min(facts.subgroupMaxSize, 128));
  const usual = [make('registers', 64, 16, blocked), make('shared', tile, 32), make('subgroup', lanes, 16)];
  const neighbours = [
    make('registers', 64, 16, blocked === 1 ? 2 : 1),
    make('subgroup', 2 * lanes, 16),
    make('shared', tile === 32 ? 64 : 32, 16),
    make('subgroup', lanes, 4),
    make('registers', 64, 32, blocked),
    make('subgroup', lanes, 16, 2),
  ];
  if (facts.adapterClass === 'hardware') usual.unshift(usual.splice(1, 1)[0]);
  const splits = usual.map((t) => withSplit(shape, t, facts)).filter((t): t is AttentionTuning => t !== null);
  const ordered = shape.Sq < 8 ? [...usual, ...splits, ...neighbours] : [...usual, ...neighbours, ...splits];
  const seen = new Set<string>();
  const out: AttentionTuning[] = [];
  for (const candidate of ordered) {
    const t = fitToAdapter(candidate, shape, facts);
    if (!t) continue;
    const key = JSON.stringify(t);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
    if (out.length === MAX_CANDIDATES) break;
  }
  return out;
}

/**
 * `t` made valid on the adapter, or null where it cannot be: the workgroup within the invocation limits, the
 * 'shared' key block halved until its tiles fit in half the workgroup memory (the Tuner's bound) and the
 * 'subgroup' lanes until their slots fit in all of it, 'subgroup' only with the `subgroups` feature. The
 * autotuner can check a cached choice with it (valid iff returned unchanged).
 */
export function fitToAdapter(t: AttentionTuning, shape: AttentionShape, facts: AdapterFacts): AttentionTuning | null {
  const maxLanes = Math.min(facts.maxInvocationsPerWorkgroup, facts.maxWorkgroupSizeX);
  const storage = facts.maxWorkgroupStorageBytes;
  if (t.strategy === 'subgroup') {
    if (!facts.subgroups) return null;
    let workgroupSize = Math.min(t.workgroupSize, maxLanes);
    while (workgroupSize > 4 && subgroupStorageBytes(shape.Dv, workgroupSize) > storage) workgroupSize >>= 1;
    if (subgroupStorageBytes(shape.Dv, workgroupSize) > storage) return null;
    return workgroupSize === t.workgroupSize ? t : { ...t, workgroupSize };
  }
  if (t.workgroupSize > maxLanes) return null;
  if (t.strategy === 'shared') {
    let keyBlock = t.keyBlock;
    // Half the limit, the Tuner's own bound for tiles (it applies it to pinned key blocks too).
    while (keyBlock > 1 && sharedStorageBytes(shape.D, shape.Dv, keyBlock) > storage / 2) keyBlock >>= 1;
    if (sharedStorageBytes(shape.D, shape.Dv, keyBlock) > storage / 2) return null;
    return keyBlock === t.keyBlock ? t : { ...t, keyBlock };
  }
  return t;
}

/** `t` with its keys split so that a launch has about SPLIT_GROUPS workgroups; null where splitting cannot help. */
function withSplit(shape: AttentionShape, t: AttentionTuning, facts: AdapterFacts): AttentionTuning | null {
  // The registers kernel splits one row per invocation, in warp-sized workgroups (as the Tuner does).
  const base = t.strategy === 'registers' ? { ...t, rowsPerInvocation: 1, workgroupSize: 32 } : t;
  const partialBytes = shape.B * shape.Hq * shape.Sq * (16 * Math.ceil(shape.Dv / 4) + 8);
  const splits = Math.min(
    Math.ceil(SPLIT_GROUPS[facts.adapterClass] / streamGroups(shape, base, 1)),
    Math.floor(shape.T / (2 * t.keyBlock)),
    SPLIT_MAX,
    Math.floor(SPLIT_BUDGET / Math.max(partialBytes, 1)),
  );
  if (!(splits >= 2)) return null;
  return { ...base, splitKeys: Math.ceil(Math.ceil(shape.T / splits) / t.keyBlock) * t.keyBlock };
}
