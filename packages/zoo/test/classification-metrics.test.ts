import { isAttnkitError } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { binaryMetrics } from '../src/metrics/classification.js';

const T = true;
const F = false;

describe('binaryMetrics', () => {
  it('scores a hand-checked confusion matrix', () => {
    //            tp tp tp fn fp tn tn tn tn tn
    const actual = [T, T, T, T, F, F, F, F, F, F];
    const predicted = [T, T, T, F, T, F, F, F, F, F];
    const m = binaryMetrics(predicted, actual);
    expect({ tp: m.tp, fp: m.fp, tn: m.tn, fn: m.fn, n: m.n }).toEqual({ tp: 3, fp: 1, tn: 5, fn: 1, n: 10 });
    expect(m.accuracy).toBeCloseTo(0.8, 12);
    expect(m.precision).toBeCloseTo(0.75, 12);
    expect(m.recall).toBeCloseTo(0.75, 12);
    expect(m.f1).toBeCloseTo(0.75, 12);
  });

  it('F1 is the harmonic mean of unequal precision and recall', () => {
    // tp 2, fp 2, fn 0, tn 1: precision 1/2, recall 1, f1 = 2·(1/2)·1 / (3/2) = 2/3.
    const m = binaryMetrics([T, T, T, T, F], [T, T, F, F, F]);
    expect(m.precision).toBeCloseTo(0.5, 12);
    expect(m.recall).toBe(1);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(m.accuracy).toBeCloseTo(0.6, 12);
  });

  it('defines every 0/0 as 0: no positive prediction, no positive example, neither', () => {
    const noPredictedPositive = binaryMetrics([F, F, F], [T, F, F]);
    expect(noPredictedPositive).toMatchObject({ precision: 0, recall: 0, f1: 0, tp: 0, fn: 1, tn: 2 });
    expect(noPredictedPositive.accuracy).toBeCloseTo(2 / 3, 12);

    const noActualPositive = binaryMetrics([T, F], [F, F]);
    expect(noActualPositive).toMatchObject({ precision: 0, recall: 0, f1: 0, accuracy: 0.5, fp: 1, tn: 1 });

    const allNegativeAndRight = binaryMetrics([F, F], [F, F]);
    expect(allNegativeAndRight).toMatchObject({ accuracy: 1, precision: 0, recall: 0, f1: 0 });
  });

  it('rejects labels of different lengths and an empty set, naming the argument', () => {
    expect(() => binaryMetrics([T], [T, F])).toThrow(/predicted has 1 labels but actual has 2/);
    try {
      binaryMetrics([], []);
      expect.unreachable();
    } catch (error) {
      expect(isAttnkitError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as { argument?: string }).argument).toBe('actual');
    }
  });
});
