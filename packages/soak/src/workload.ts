import {
  ATTENTION_ENTRIES,
  type AttentionSpec,
  type MaskSpec,
  missingCapabilities,
  type OptionsSpec,
  PRIMITIVE_ENTRIES,
  type PrimitiveSpec,
  type Random,
} from '@attnkit/conformance';
import type { BackendCapabilities, Precision } from '@attnkit/core';

/**
 * One call of the soak's mix: a conformance entry as it stands, a spec drawn at random across the same
 * features, a small Transformer block chained on the device, or a call core must refuse. The tensors come
 * from `seed` (conformance's generators), so a job and its seed always give the same call.
 */
export type Job =
  | {
      readonly kind: 'attention';
      readonly source: string;
      readonly spec: AttentionSpec;
      readonly precision: Precision;
      readonly seed: number;
    }
  | { readonly kind: 'primitive'; readonly source: string; readonly spec: PrimitiveSpec; readonly seed: number }
  | {
      readonly kind: 'block';
      readonly source: string;
      readonly rows: number;
      readonly width: number;
      readonly hidden: number;
      readonly seed: number;
    }
  | { readonly kind: 'rejected'; readonly source: string; readonly variant: number; readonly seed: number };

/** The share of each family in the mix (they add up to 1). */
export const MIX = {
  conformanceAttention: 0.3,
  randomAttention: 0.25,
  conformancePrimitive: 0.17,
  randomPrimitive: 0.18,
  block: 0.08,
  rejected: 0.02,
} as const;

/** How many ways `rejected` jobs have of being wrong (see execute.ts). */
export const REJECTED_VARIANTS = 4;

/** Draws jobs for one backend: entries and options it does not declare are never drawn. */
export class Workload {
  private readonly attention: readonly { readonly name: string; readonly spec: AttentionSpec }[];
  private readonly primitives: readonly { readonly name: string; readonly spec: PrimitiveSpec }[];
  private readonly float16: boolean;

  constructor(
    private readonly random: Random,
    private readonly capabilities: BackendCapabilities,
  ) {
    this.attention = ATTENTION_ENTRIES.filter(
      (e) => !e.fullOnly && missingCapabilities(e.spec, 'float32', capabilities).length === 0,
    ).map((e) => ({ name: `${e.feature}/${e.name}`, spec: e.spec }));
    this.primitives = PRIMITIVE_ENTRIES.filter((e) => !e.fullOnly).map((e) => ({
      name: `${e.feature}/${e.name}`,
      spec: e.spec,
    }));
    this.float16 = capabilities.precisions.includes('float16');
  }

  next(): Job {
    const r = this.random;
    const seed = Math.floor(r() * 2 ** 32);
    let u = r();
    if ((u -= MIX.conformanceAttention) < 0) {
      const e = pick(r, this.attention);
      return { kind: 'attention', source: e.name, spec: e.spec, precision: this.precision(e.spec), seed };
    }
    if ((u -= MIX.randomAttention) < 0) {
      const spec = this.randomAttention();
      return { kind: 'attention', source: 'random/attention', spec, precision: this.precision(spec), seed };
    }
    if ((u -= MIX.conformancePrimitive) < 0) {
      const e = pick(r, this.primitives);
      return { kind: 'primitive', source: e.name, spec: e.spec, seed };
    }
    if ((u -= MIX.randomPrimitive) < 0) {
      const spec = randomPrimitive(r);
      return { kind: 'primitive', source: `random/${spec.op}`, spec, seed };
    }
    if ((u -= MIX.block) < 0) {
      return { kind: 'block', source: 'block', rows: int(r, 1, 12), width: int(r, 2, 48), hidden: int(r, 4, 96), seed };
    }
    return { kind: 'rejected', source: 'rejected', variant: int(r, 0, REJECTED_VARIANTS - 1), seed };
  }

  /** One call in ten in float16 where the backend declares it. */
  private precision(spec: AttentionSpec): Precision {
    if (!this.float16 || this.random() >= 0.1) return 'float32';
    return missingCapabilities(spec, 'float16', this.capabilities).length === 0 ? 'float16' : 'float32';
  }

  /** A spec drawn across the features of the conformance cases, at small sizes, valid by construction. */
  private randomAttention(): AttentionSpec {
    for (;;) {
      const spec = randomAttentionSpec(this.random);
      if (missingCapabilities(spec, 'float32', this.capabilities).length === 0) return spec;
    }
  }
}

export function randomAttentionSpec(r: Random): AttentionSpec {
  const B = pick(r, [1, 1, 2, 3]);
  const Hkv = pick(r, [1, 2, 2, 3]);
  const Hq = Hkv * pick(r, [1, 1, 2, 4]);
  const D = pick(r, [1, 2, 4, 8, 16, 32]);
  const Dv = r() < 0.2 ? pick(r, [1, 3, 8]) : undefined;
  const Sq = r() < 0.25 ? 1 : int(r, 0, 9);
  const Skv = int(r, r() < 0.05 ? 0 : 1, 24);
  const P = r() < 0.3 ? int(r, 0, 40) : undefined;
  const T = (P ?? 0) + Skv;
  const options: { -readonly [K in keyof OptionsSpec]: OptionsSpec[K] } = {};
  if (r() < 0.4) {
    options.isCausal = true;
    if (r() < 0.5) options.causalAlignment = pick(r, ['top-left', 'bottom-right'] as const);
  } else if (r() < 0.15) {
    options.causalAlignment = 'bottom-right';
  }
  if (r() < 0.2) options.scale = pick(r, [0.25, 1, 2.5, -0.5]);
  if (r() < 0.15) options.softcap = pick(r, [0.5, 1, 30]);
  if (r() < 0.15) {
    options.window = r() < 0.5 ? { left: int(r, 0, 6) } : { left: int(r, 0, 6), right: int(r, 0, 3) };
  }
  if (r() < 0.1) {
    options.alibi = r() < 0.5 ? true : { slopes: Array.from({ length: Hq }, () => pick(r, [0.125, 0.5, 1])) };
  }
  if (r() < 0.05) options.headMask = Array.from({ length: Hq }, () => pick(r, [0, 0.5, 1, 2]));
  if (r() < 0.25) options.scoresOutput = pick(r, ['raw', 'softcapped', 'masked', 'probabilities'] as const);
  if (r() < 0.15) options.returnPresent = true;
  let mask: MaskSpec | undefined;
  if (r() < 0.3) {
    const kind = r() < 0.5 ? 'boolean' : 'additive';
    const width = r() < 0.15 ? int(r, 0, T) : T;
    const shape = pick(r, [[width], [Sq, width], [B, 1, Sq, width], [1, Hq, 1, width], [Hq, Sq, width]]);
    const pattern = pick(r, ['random', 'random', 'random', 'first-row-masked', 'keep-all', 'all-masked'] as const);
    mask = { kind, shape, pattern: kind === 'additive' && r() < 0.1 ? 'large-negative' : pattern };
  }
  const validLengths = P === undefined && r() < 0.1 ? Array.from({ length: B }, () => int(r, 0, T)) : undefined;
  return {
    B,
    Hq,
    Hkv,
    Sq,
    Skv,
    D,
    ...(Dv !== undefined && { Dv }),
    ...(P !== undefined && { P }),
    ...(r() < 0.15 && { layout: '3d' as const }),
    ...(r() < 0.05 && { values: pick(r, ['large-positive', 'large-negative'] as const) }),
    ...(mask && { mask }),
    ...(validLengths && { validLengths }),
    options,
  };
}

/** A primitive call at a random small shape, every op of the device API. */
export function randomPrimitive(r: Random): PrimitiveSpec {
  const dims = (rank: number, max: number) => Array.from({ length: rank }, () => int(r, 1, max));
  switch (int(r, 0, 11)) {
    case 0: {
      const [M, K, N] = [int(r, 1, 24), int(r, 1, 40), int(r, 1, 24)];
      const batch = pick(r, [[], [], [2], [2, 3]]);
      const transposeA = r() < 0.3;
      const transposeB = r() < 0.3;
      const a = [...batch, ...(transposeA ? [K, M] : [M, K])];
      const bMatrix = transposeB ? [N, K] : [K, N];
      const b = batch.length > 0 && r() < 0.5 ? [...batch, ...bMatrix] : bMatrix;
      return { op: 'matmul', a, b, transposeA, transposeB, bias: r() < 0.5 };
    }
    case 1: {
      const a = dims(int(r, 1, 3), 8);
      const b = a.map((n) => (r() < 0.4 ? 1 : n)).slice(int(r, 0, a.length - 1));
      return { op: pick(r, ['add', 'mul'] as const), ...(r() < 0.5 ? { a, b } : { a: b, b: a }) };
    }
    case 2:
      return { op: 'scale', x: dims(int(r, 1, 3), 10), factor: pick(r, [-2, -0.37, 0.5, 3]) };
    case 3:
      return { op: pick(r, ['relu', 'gelu', 'tanh'] as const), x: dims(int(r, 1, 3), 10), range: 6 };
    case 4:
      return {
        op: pick(r, ['softmax', 'logSoftmax'] as const),
        x: [int(r, 1, 8), int(r, 1, 64)],
        negativeInfinity: r() < 0.2,
        range: pick(r, [1, 4, 1e4]),
      };
    case 5:
      return { op: 'layerNorm', x: [...dims(int(r, 0, 1), 3), int(r, 1, 8), int(r, 1, 64)], epsilon: 1e-5 };
    case 6:
      return { op: 'gather', table: [int(r, 1, 32), int(r, 1, 24)], ids: pick(r, [[int(r, 0, 8)], [2, int(r, 1, 6)]]) };
    case 7: {
      const shape = dims(int(r, 1, 4), 5);
      const axis = int(r, 0, shape.length - 1);
      const parts = Array.from({ length: int(r, 2, 4) }, () => shape.map((n, i) => (i === axis ? int(r, 0, 4) : n)));
      return {
        op: 'concat',
        parts,
        axis: r() < 0.3 ? axis - shape.length : axis,
        dtype: pick(r, ['float32', 'int32']),
      };
    }
    case 8: {
      const x = dims(int(r, 1, 4), 7);
      const axis = int(r, 0, x.length - 1);
      const start = int(r, 0, x[axis]);
      return { op: 'slice', x, axis, start, length: int(r, 0, x[axis] - start) };
    }
    case 9: {
      const x = dims(int(r, 1, 3), 6);
      const total = x.reduce((a, b) => a * b, 1);
      return { op: 'reshape', x, shape: r() < 0.5 ? [total] : [-1, x[x.length - 1]] };
    }
    case 10:
      return { op: 'argmax', x: [int(r, 1, 8), int(r, 1, 40)], ties: r() < 0.3 };
    default: {
      const width = int(r, 1, 40);
      return { op: 'topK', x: [int(r, 1, 8), width], k: int(r, 1, width), ties: r() < 0.3 };
    }
  }
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** An integer in [low, high]. */
export function int(random: Random, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}
