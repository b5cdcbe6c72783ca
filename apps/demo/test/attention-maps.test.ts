import { describe, expect, it } from 'vitest';
import { crossAttentionMap, receivedAttention } from '../src/attention-maps.js';
import { median } from '../src/checks/perf.js';

/** [layer][head][query][key]: 1 layer, 2 heads, 2 queries, 3 keys; every row sums to 1. */
const MAPS = [
  [
    [
      [1, 0, 0],
      [0.5, 0.5, 0],
    ],
    [
      [0, 0, 1],
      [0.25, 0.25, 0.5],
    ],
  ],
];

describe('attention reductions', () => {
  it('picks one head, or averages the heads', () => {
    expect(crossAttentionMap(MAPS, 0, 1)).toEqual(MAPS[0][1]);
    expect(crossAttentionMap(MAPS, 0, 'mean')).toEqual([
      [0.5, 0, 0.5],
      [0.375, 0.375, 0.25],
    ]);
    expect(() => crossAttentionMap(MAPS, 1, 0)).toThrow(/layer 1/);
    expect(() => crossAttentionMap(MAPS, 0, 2)).toThrow(/head 2/);
  });

  it('averages the attention each key receives over heads and queries (summing to 1)', () => {
    const received = receivedAttention(MAPS, 0);
    expect(received).toEqual([(1 + 0.5 + 0 + 0.25) / 4, (0 + 0.5 + 0 + 0.25) / 4, (0 + 0 + 1 + 0.5) / 4]);
    expect(received.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('takes the median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});
