import { mulberry32 } from '@attnkit/models';

/**
 * Notation: n tokens of one input · r a ranking of them (most important first) · K steps · c the class the model
 * predicts on the whole input · p(x) its probability of c on input x.
 *
 *   deletion curve   p(x without the top ⌈k·n/K⌉ tokens of r), k = 0…K: a faithful ranking removes the evidence
 *                    first, so the curve falls fast and its area is small;
 *   insertion curve  p(only the top ⌈k·n/K⌉ tokens of r, in their original order), k = 0…K: a faithful ranking
 *                    brings the evidence back first, so the curve rises fast and its area is large.
 * Areas are trapezoids over the fraction of tokens, in [0, 1]. Removed tokens are dropped, not replaced, so the
 * input stays in the model's own distribution of token sequences; an empty input becomes one <unk>.
 */
export interface CurveRows {
  /** Rows to classify: K + 1 for deletion, then K + 1 for insertion. */
  readonly rows: number[][];
  readonly fractions: number[];
}

export function curveRows(ids: readonly number[], ranking: readonly number[], steps: number, unk: number): CurveRows {
  const n = ids.length;
  const fractions = Array.from({ length: steps + 1 }, (_, k) => k / steps);
  const rank = new Int32Array(n);
  ranking.forEach((position, r) => {
    rank[position] = r;
  });
  const keep = (predicate: (position: number) => boolean) => {
    const row = ids.filter((_, i) => predicate(i));
    return row.length > 0 ? row : [unk];
  };
  const counts = fractions.map((f) => Math.ceil(f * n));
  return {
    rows: [...counts.map((m) => keep((i) => rank[i] >= m)), ...counts.map((m) => keep((i) => rank[i] < m))],
    fractions,
  };
}

/** Positions sorted by descending score; ties keep position order, so the ranking is deterministic. */
export function rankByScore(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}

export function randomRanking(n: number, seed: number): number[] {
  const next = mulberry32(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

export function areaUnderCurve(fractions: readonly number[], values: readonly number[]): number {
  let area = 0;
  for (let k = 1; k < fractions.length; k++)
    area += ((values[k] + values[k - 1]) / 2) * (fractions[k] - fractions[k - 1]);
  return area;
}

export interface MeanWithInterval {
  readonly mean: number;
  /** 95% percentile bootstrap interval of the mean over inputs (2,000 resamples, seeded). */
  readonly low: number;
  readonly high: number;
}

export function bootstrapMean(values: readonly number[], seed = 1, resamples = 2000): MeanWithInterval {
  const n = values.length;
  const mean = values.reduce((s, x) => s + x, 0) / n;
  const next = mulberry32(seed);
  const means = Array.from({ length: resamples }, () => {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(next() * n)];
    return s / n;
  }).sort((a, b) => a - b);
  return { mean, low: means[Math.floor(0.025 * resamples)], high: means[Math.ceil(0.975 * resamples) - 1] };
}
