import { invalidArgument } from './errors.js';
import { isNonNegativeInteger } from './validate/shapes.js';

/**
 * Default ALiBi slopes (Press et al., "Train Short, Test Long"): for n heads, a power of two, the
 * geometric sequence 2^(−8/n), 2^(−16/n), …, 2^(−8). For other n, the slopes of the closest smaller
 * power of two m, followed by every other slope of the sequence for 2m, as in the paper's code.
 */
export function defaultAlibiSlopes(heads: number): Float32Array {
  if (!isNonNegativeInteger(heads)) throw invalidArgument('defaultAlibiSlopes', 'heads', 'an integer ≥ 0', heads);
  if (heads === 0) return new Float32Array(0);
  const slopes = new Float32Array(heads);
  const closest = 2 ** Math.floor(Math.log2(heads));
  const base = geometric(closest);
  for (let h = 0; h < closest; h++) slopes[h] = base[h];
  if (closest < heads) {
    const extra = geometric(2 * closest);
    for (let h = closest; h < heads; h++) slopes[h] = extra[2 * (h - closest)];
  }
  return slopes;
}

function geometric(n: number): number[] {
  const ratio = 2 ** (-8 / n);
  return Array.from({ length: n }, (_, h) => ratio ** (h + 1));
}
