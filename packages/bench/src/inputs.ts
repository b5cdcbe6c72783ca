import { mulberry32 } from '@attnkit/conformance';
import type { BenchCase } from './grid.js';

/** Host data of one case, seeded so every target sees the same numbers. Shapes are 4D [B, H, S, D]. */
export interface CaseInputs {
  readonly q: Float32Array;
  readonly k: Float32Array;
  readonly v: Float32Array;
  readonly qShape: readonly number[];
  /** New keys/values: T − P of them. */
  readonly kvShape: readonly number[];
  readonly pastKey: Float32Array | null;
  readonly pastValue: Float32Array | null;
  readonly pastShape: readonly number[] | null;
  /** Additive mask [1, 1, Sq, T]: 0 where visible, −10⁴ on every seventh key (never a whole row). */
  readonly mask: Float32Array | null;
  readonly maskShape: readonly number[] | null;
}

export function makeInputs(c: BenchCase, seed = 1): CaseInputs {
  const random = mulberry32(seed);
  const fill = (n: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = random() * 2 - 1;
    return a;
  };
  const Skv = c.T - c.P;
  const qShape = [c.B, c.Hq, c.Sq, c.D];
  const kvShape = [c.B, c.Hkv, Skv, c.D];
  const pastShape = c.P > 0 ? [c.B, c.Hkv, c.P, c.D] : null;
  const kvSize = c.B * c.Hkv * Skv * c.D;
  const pastSize = c.B * c.Hkv * c.P * c.D;
  let mask: Float32Array | null = null;
  if (c.mask === 'additive') {
    mask = new Float32Array(c.Sq * c.T);
    for (let i = 0; i < c.Sq; i++) for (let j = 0; j < c.T; j++) mask[i * c.T + j] = j % 7 === 3 ? -1e4 : 0;
  }
  return {
    q: fill(c.B * c.Hq * c.Sq * c.D),
    k: fill(kvSize),
    v: fill(kvSize),
    qShape,
    kvShape,
    pastKey: pastShape ? fill(pastSize) : null,
    pastValue: pastShape ? fill(pastSize) : null,
    pastShape,
    mask,
    maskShape: mask ? [1, 1, c.Sq, c.T] : null,
  };
}
