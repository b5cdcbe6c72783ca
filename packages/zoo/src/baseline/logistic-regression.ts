import { AttnkitError } from '@attnkit/core';

/**
 * A bag-of-words logistic regression over token ids, two classes (true = positive), fitted by Adagrad.
 *
 * Notation: x(d) the document's features: for each distinct id i ≥ firstId, log(1 + count of i), the vector
 * scaled to unit length · w, b the weights and bias · σ the logistic function
 *
 *   z(d)   = b + Σ_i w_i·x_i(d)        P(positive | d) = σ(z(d))
 *   g      = σ(z) − y                   (the gradient of the log loss with respect to z)
 *   G_i   += (g·x_i)²,  w_i −= rate·g·x_i / √G_i        (Adagrad, one document at a time, in order)
 *
 * Adagrad because the features are sparse: a rare id gets a step as large as a common one the first time it
 * is seen. No regularization: the early stop is the epoch count. Ids below firstId (the special tokens) are
 * left out. Deterministic: documents are visited in the given order, every epoch.
 *
 * Written here rather than taken from npm because the packages there fit dense matrices (16,000 columns × 4,000
 * rows of mostly zeros) and none has a sparse Adagrad; the whole fit is twenty lines.
 */
export interface LogisticRegression {
  readonly weights: Float64Array;
  readonly bias: number;
}

export interface LogisticRegressionOptions {
  readonly epochs?: number;
  readonly rate?: number;
  readonly firstId?: number;
}

interface SparseRow {
  readonly ids: number[];
  readonly values: number[];
}

export function bagOfWords(ids: readonly number[], firstId: number): SparseRow {
  const counts = new Map<number, number>();
  for (const id of ids) if (id >= firstId) counts.set(id, (counts.get(id) ?? 0) + 1);
  const keys = [...counts.keys()];
  const values = keys.map((id) => Math.log1p(counts.get(id)!));
  const norm = Math.hypot(...values) || 1;
  return { ids: keys, values: values.map((v) => v / norm) };
}

function score(model: { weights: Float64Array; bias: number }, row: SparseRow): number {
  let z = model.bias;
  row.ids.forEach((id, k) => {
    z += model.weights[id] * row.values[k];
  });
  return z;
}

export function fitLogisticRegression(
  documents: readonly (readonly number[])[],
  labels: readonly boolean[],
  vocabularySize: number,
  options: LogisticRegressionOptions = {},
): LogisticRegression {
  const { epochs = 30, rate = 0.5, firstId = 0 } = options;
  if (documents.length !== labels.length)
    throw invalid('labels', `${documents.length} labels (one per document)`, `${labels.length} labels`);
  if (!(Number.isInteger(vocabularySize) && vocabularySize > 0))
    throw invalid('vocabularySize', 'a positive integer', String(vocabularySize));
  if (!(Number.isInteger(epochs) && epochs > 0)) throw invalid('options.epochs', 'a positive integer', String(epochs));
  if (!(rate > 0 && Number.isFinite(rate))) throw invalid('options.rate', 'a finite number > 0', String(rate));
  const rows = documents.map((ids, d) => {
    const outside = ids.find((id) => !(Number.isInteger(id) && id >= 0 && id < vocabularySize));
    if (outside !== undefined) throw invalid(`documents[${d}]`, `ids in [0, ${vocabularySize})`, `id ${outside}`);
    return bagOfWords(ids, firstId);
  });
  const model = { weights: new Float64Array(vocabularySize), bias: 0 };
  const squaredWeightGradients = new Float64Array(vocabularySize).fill(1e-8);
  let squaredBiasGradients = 1e-8;
  for (let epoch = 0; epoch < epochs; epoch++) {
    rows.forEach((row, d) => {
      const g = 1 / (1 + Math.exp(-score(model, row))) - (labels[d] ? 1 : 0);
      row.ids.forEach((id, k) => {
        const gi = g * row.values[k];
        squaredWeightGradients[id] += gi * gi;
        model.weights[id] -= (rate * gi) / Math.sqrt(squaredWeightGradients[id]);
      });
      squaredBiasGradients += g * g;
      model.bias -= (rate * g) / Math.sqrt(squaredBiasGradients);
    });
  }
  return model;
}

/** The log-odds z(d) of a document given as ids. */
export function logisticScore(model: LogisticRegression, ids: readonly number[], firstId = 0): number {
  return score(model, bagOfWords(ids, firstId));
}

function invalid(argument: string, expected: string, given: string): AttnkitError {
  return new AttnkitError('INVALID_ARGUMENT', `fitLogisticRegression: ${argument} must be ${expected}, got ${given}`, {
    argument,
    expected,
    given,
  });
}
