import { describe, expect, it } from 'vitest';
import { areaUnderCurve, bootstrapMean, curveRows, randomRanking, rankByScore } from '../src/evaluate/faithfulness.js';

describe('deletion and insertion curves', () => {
  it('builds the rows of both curves from a ranking, by hand', () => {
    // ids 10 11 12 13, ranking: position 2 first, then 0, 3, 1; K = 2 steps → counts 0, 2, 4.
    const { rows, fractions } = curveRows([10, 11, 12, 13], [2, 0, 3, 1], 2, 3);
    expect(fractions).toEqual([0, 0.5, 1]);
    expect(rows).toEqual([
      [10, 11, 12, 13], // deletion: nothing removed
      [11, 13], // top 2 (positions 2 and 0) removed, order kept
      [3], // all removed: one <unk>
      [3], // insertion: nothing yet
      [10, 12], // top 2 back, in original order
      [10, 11, 12, 13],
    ]);
  });

  it('ranks by score with ties in position order, and shuffles reproducibly', () => {
    expect(rankByScore([0.1, 0.5, 0.5, 0.2])).toEqual([1, 2, 3, 0]);
    const a = randomRanking(20, 7);
    expect(a).toEqual(randomRanking(20, 7));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a).not.toEqual(randomRanking(20, 8));
  });

  it('integrates by trapezoids and bootstraps an interval around the mean', () => {
    expect(areaUnderCurve([0, 0.5, 1], [1, 0.5, 0])).toBeCloseTo(0.5, 12);
    expect(areaUnderCurve([0, 0.5, 1], [1, 1, 0])).toBeCloseTo(0.75, 12);
    const constant = bootstrapMean([0.3, 0.3, 0.3]);
    expect(constant).toEqual({ mean: 0.3, low: 0.3, high: 0.3 });
    const spread = bootstrapMean([0, 1, 0, 1, 0, 1, 0, 1]);
    expect(spread.mean).toBe(0.5);
    expect(spread.low).toBeLessThan(0.5);
    expect(spread.high).toBeGreaterThan(0.5);
    expect(bootstrapMean([0, 1, 0, 1, 0, 1, 0, 1])).toEqual(spread);
  });
});
