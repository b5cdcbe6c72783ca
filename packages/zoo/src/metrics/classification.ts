import { AttnkitError } from '@attnkit/core';

/**
 * Binary classification scores, positive = true (spam):
 *   accuracy = (tp + tn) / n     precision = tp / (tp + fp)     recall = tp / (tp + fn)
 *   f1 = 2 · precision · recall / (precision + recall)
 * A ratio whose denominator is 0 is 0, as scikit-learn's zero_division=0: precision is 0 when nothing was
 * predicted positive, recall is 0 when nothing is positive, f1 is 0 when both are 0.
 */
export interface BinaryMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  n: number;
}

export function binaryMetrics(predicted: readonly boolean[], actual: readonly boolean[]): BinaryMetrics {
  if (predicted.length !== actual.length) {
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `binaryMetrics: predicted has ${predicted.length} labels but actual has ${actual.length}`,
      {
        argument: 'predicted',
        expected: `${actual.length} labels`,
        given: `${predicted.length} labels`,
      },
    );
  }
  if (actual.length === 0) {
    throw new AttnkitError('INVALID_ARGUMENT', 'binaryMetrics: predicted and actual are empty (nothing to score)', {
      argument: 'actual',
      expected: 'at least 1 label',
      given: '0 labels',
    });
  }
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  predicted.forEach((p, i) => {
    if (p && actual[i]) tp++;
    else if (p) fp++;
    else if (actual[i]) fn++;
    else tn++;
  });
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const n = actual.length;
  return {
    accuracy: (tp + tn) / n,
    precision,
    recall,
    f1: ratio(2 * precision * recall, precision + recall),
    tp,
    fp,
    tn,
    fn,
    n,
  };
}
