import { isAttnkitError } from '@attnkit/core';
import { mulberry32 } from '@attnkit/models';
import { describe, expect, it } from 'vitest';
import { bagOfWords, fitLogisticRegression, logisticScore } from '../src/baseline/logistic-regression.js';
import { linearWarmStart, WARM_COLUMN_STD } from '../src/tasks/spam-warm-start.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('fitLogisticRegression', () => {
  it('takes the Adagrad steps computed by hand (one epoch, two one-piece documents)', () => {
    // Both rows are unit vectors, G starts at 1e-8 ≈ 0.
    //   doc [5], y = 1: z = 0, g = −1/2 → w5 = +0.5·(1/2)/(1/2) = 0.5; bias likewise 0.5.
    //   doc [6], y = 0: z = b = 0.5, g = σ(0.5) → w6 = −0.5; bias 0.5 − 0.5·σ(0.5)/√(1/4 + σ(0.5)²).
    const model = fitLogisticRegression([[5], [6]], [true, false], 7, { epochs: 1, firstId: 4 });
    const g = sigmoid(0.5);
    expect(model.weights[5]).toBeCloseTo(0.5, 7);
    expect(model.weights[6]).toBeCloseTo(-0.5, 7);
    expect(model.bias).toBeCloseTo(0.5 - (0.5 * g) / Math.sqrt(0.25 + g * g), 7);
    expect([...model.weights.slice(0, 5)]).toEqual([0, 0, 0, 0, 0]);
  });

  it('counts log(1 + n) per distinct id, unit length, special ids left out', () => {
    const row = bagOfWords([4, 9, 4, 2, 0], 4);
    const norm = Math.hypot(Math.log(3), Math.log(2));
    expect(row.ids).toEqual([4, 9]);
    expect(row.values[0]).toBeCloseTo(Math.log(3) / norm, 12);
    expect(row.values[1]).toBeCloseTo(Math.log(2) / norm, 12);
    expect(bagOfWords([1, 2], 4)).toEqual({ ids: [], values: [] });
  });

  it('generalizes from marker pieces among shared noise, to documents it has not seen', () => {
    const random = mulberry32(3);
    const corpus = (n: number) => {
      const documents: number[][] = [];
      const labels: boolean[] = [];
      for (let d = 0; d < n; d++) {
        const noise = Array.from({ length: 8 }, () => 10 + Math.floor(random() * 50));
        const positive = random() < 0.5;
        documents.push(positive ? [...noise, 100 + Math.floor(random() * 10)] : noise);
        labels.push(positive);
      }
      return { documents, labels };
    };
    const train = corpus(200);
    const test = corpus(100);
    const model = fitLogisticRegression(train.documents, train.labels, 120, { firstId: 4 });
    const correct = test.documents.filter((ids, d) => logisticScore(model, ids, 4) > 0 === test.labels[d]).length;
    expect(correct).toBeGreaterThanOrEqual(95);
    const largestNoise = Math.max(...[...model.weights.slice(10, 60)].map(Math.abs));
    for (let marker = 100; marker < 110; marker++) expect(model.weights[marker]).toBeGreaterThan(largestNoise);
  });

  it('rejects mismatched labels and ids outside the vocabulary, naming them', () => {
    const fail = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        if (isAttnkitError(error)) return error.message;
      }
      throw new Error('expected an AttnkitError');
    };
    expect(fail(() => fitLogisticRegression([[1]], [true, false], 4))).toMatch(/labels must be 1 labels/);
    expect(fail(() => fitLogisticRegression([[1], [4]], [true, false], 4))).toMatch(
      /documents\[1\] must be ids in \[0, 4\), got id 4/,
    );
    expect(fail(() => fitLogisticRegression([[1]], [true], 4, { epochs: 0 }))).toMatch(/options.epochs/);
  });
});

describe('linearWarmStart', () => {
  it('writes the scaled weights into dimension 0 of the fitted pieces only', () => {
    const d = 3;
    const table = new Float32Array(8 * d).fill(0.25);
    const examples = [
      { ids: [4, 5], label: 1 },
      { ids: [4, 6], label: 0 },
      { ids: [5], label: 1 },
    ];
    linearWarmStart(table, examples, d);
    const { weights } = fitLogisticRegression(
      examples.map((x) => x.ids),
      examples.map((x) => x.label === 1),
      8,
      { firstId: 4 },
    );
    const spread = Math.sqrt((weights[4] ** 2 + weights[5] ** 2 + weights[6] ** 2) / 3);
    for (const i of [4, 5, 6]) expect(table[i * d]).toBeCloseTo((weights[i] / spread) * WARM_COLUMN_STD, 5);
    expect(table[5 * d]).toBeGreaterThan(0);
    expect(table[6 * d]).toBeLessThan(0);
    for (const i of [0, 1, 2, 3, 7]) expect(table[i * d]).toBe(0.25);
    for (let i = 0; i < 8; i++) expect([table[i * d + 1], table[i * d + 2]]).toEqual([0.25, 0.25]);
  });
});
