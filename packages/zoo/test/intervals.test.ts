import { describe, expect, it } from 'vitest';
import { bootstrapIntervals } from '../src/metrics/intervals.js';

describe('bootstrap intervals from a confusion matrix', () => {
  it('bracket the observed values, narrow with n, and match the binomial width for accuracy', () => {
    const small = {
      tp: 90,
      fp: 5,
      tn: 95,
      fn: 10,
      n: 200,
      accuracy: 185 / 200,
      precision: 0,
      recall: 0,
      f1: 180 / 195,
    };
    const large = {
      tp: 900,
      fp: 50,
      tn: 950,
      fn: 100,
      n: 2000,
      accuracy: 0.925,
      precision: 0,
      recall: 0,
      f1: 1800 / 1950,
    };
    const a = bootstrapIntervals(small);
    const b = bootstrapIntervals(large);
    expect(a.accuracy[0]).toBeLessThan(small.accuracy);
    expect(a.accuracy[1]).toBeGreaterThan(small.accuracy);
    expect(a.f1[0]).toBeLessThan(small.f1);
    expect(a.f1[1]).toBeGreaterThan(small.f1);
    // ±1.96·√(p(1−p)/n): 0.0365 at n = 200, 0.0115 at n = 2,000.
    expect(a.accuracy[1] - a.accuracy[0]).toBeCloseTo(2 * 1.96 * Math.sqrt((0.925 * 0.075) / 200), 2);
    expect(b.accuracy[1] - b.accuracy[0]).toBeLessThan((a.accuracy[1] - a.accuracy[0]) / 2.5);
    expect(bootstrapIntervals(small)).toEqual(a);
  });
});
