import { mulberry32 } from '@attnkit/models';
import type { BinaryMetrics } from './classification.js';

/**
 * 95% percentile-bootstrap intervals of accuracy and F1 from a confusion matrix: each resample draws n mails
 * with the four cells' observed frequencies (the same as resampling the mails themselves, since the metrics
 * depend on the mails only through their cell), 2,000 resamples, seeded. On 978 test mails an accuracy of
 * 98% has an interval about ±0.9 points wide: two models a few mails apart are not told apart by one split.
 */
export interface MetricIntervals {
  readonly accuracy: readonly [number, number];
  readonly f1: readonly [number, number];
}

export function bootstrapIntervals(m: BinaryMetrics, seed = 1, resamples = 2000): MetricIntervals {
  const cells = [m.tp, m.fp, m.tn, m.fn];
  const n = m.n;
  const cumulative = cells.map((_, i) => cells.slice(0, i + 1).reduce((s, c) => s + c, 0) / n);
  const next = mulberry32(seed);
  const accuracy: number[] = [];
  const f1: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const count = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const u = next();
      let c = 0;
      while (c < 3 && u >= cumulative[c]) c++;
      count[c]++;
    }
    const [tp, fp, tn, fn] = count;
    accuracy.push((tp + tn) / n);
    f1.push(tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));
  }
  const interval = (xs: number[]): [number, number] => {
    xs.sort((a, b) => a - b);
    return [xs[Math.floor(0.025 * resamples)], xs[Math.ceil(0.975 * resamples) - 1]];
  };
  return { accuracy: interval(accuracy), f1: interval(f1) };
}
