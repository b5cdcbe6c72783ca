import type { Backend } from '@attnkit/core';
import { spamLogisticBaseline, spamNaiveBayesBaseline } from '../baseline/spam-baseline.js';
import { type G2pWord, g2pSplit } from '../data/cmudict.js';
import { numberPair, numbersSplit } from '../data/numbers.js';
import { loadSpamSplit, type SpamSplit } from '../data/spam.js';
import type { BinaryMetrics } from '../metrics/classification.js';
import { type ExactMatch, exactMatch, type G2pScore } from '../metrics/sequence.js';
import { devSplit } from '../tasks/spam.js';
import { scoreG2pWords, scoreMails } from './score-folder.js';
import { translateAll } from './translate.js';

/**
 * Every metric a model card reports, recomputed from a committed model folder on a chosen backend.
 * Test sets are the held-out splits the cards describe; nothing here looks at training data except the
 * naive Bayes baseline, which is fitted on the same training split as the classifier.
 */
export interface NumbersMetrics {
  readonly model: 'numbers-en-fr';
  readonly test: ExactMatch;
  readonly errors: { readonly n: number; readonly output: string; readonly expected: string }[];
}

export interface G2pMetrics {
  readonly model: 'g2p-cmudict';
  readonly decoding: { readonly numBeams: number; readonly lengthPenalty: number };
  readonly test: G2pScore;
  readonly examples: { readonly word: string; readonly output: string; readonly references: string[] }[];
}

export interface SpamMetrics {
  readonly model: 'spam-classifier';
  readonly test: BinaryMetrics;
  readonly baseline: BinaryMetrics & { readonly name: string };
  /** Not the baseline the target names; reported so that the classifier's standing is plain. */
  readonly linearBaseline: BinaryMetrics & { readonly name: string };
}

export type ModelMetrics = NumbersMetrics | G2pMetrics | SpamMetrics;

export async function evaluateNumbers(backend: Backend, folder: string): Promise<NumbersMetrics> {
  const pairs = numbersSplit().test.map(numberPair);
  const outputs = await translateAll(
    backend,
    folder,
    pairs.map((p) => p.source),
  );
  const errors = pairs.flatMap((p, i) =>
    outputs[i] === p.target ? [] : [{ n: p.n, output: outputs[i], expected: p.target }],
  );
  return {
    model: 'numbers-en-fr',
    test: exactMatch(
      outputs,
      pairs.map((p) => p.target),
    ),
    errors,
  };
}

/**
 * g2p decoding, chosen on all 6,193 dev words with the shipped weights (`pnpm zoo:dev g2p-cmudict --beams …`
 * prints them; words wrong): greedy 1,896; 4 beams with length penalty 0 (plain sum of log-probabilities) 1,876,
 * 1 1,881, 2 1,888; 8 beams (penalty 1) 1,881, no better than 4 at twice the cost.
 */
export const G2P_DECODING = { numBeams: 4, lengthPenalty: 0 } as const;

export async function evaluateG2p(
  backend: Backend,
  folder: string,
  words: readonly G2pWord[] = g2pSplit('test'),
): Promise<G2pMetrics> {
  const { outputs, score } = await scoreG2pWords(backend, folder, words, {
    maxNewTokens: 40,
    ...G2P_DECODING,
    batchSize: 64,
  });
  return {
    model: 'g2p-cmudict',
    decoding: G2P_DECODING,
    test: score,
    examples: words
      .slice(0, 12)
      .map((w, i) => ({ word: w.word, output: outputs[i], references: w.pronunciations.map((p) => p.join(' ')) })),
  };
}

export async function evaluateSpam(backend: Backend, folder: string): Promise<SpamMetrics> {
  const split = await loadSpamSplit();
  const { metrics } = await scoreMails(backend, folder, split.test);
  const alpha = tuneBaselineAlpha(split);
  const baseline = spamNaiveBayesBaseline(split, { alpha });
  return {
    model: 'spam-classifier',
    test: metrics,
    baseline: {
      name: `multinomial naive Bayes on every token, alpha ${alpha} (chosen on the classifier's dev split)`,
      ...baseline.metrics,
    },
    linearBaseline: {
      name: 'logistic regression on every token (log counts, unit length; 30 Adagrad epochs; see the card)',
      ...spamLogisticBaseline(split),
    },
  };
}

/**
 * The baseline gets the same model selection as the classifier: its smoothing is chosen on the
 * classifier's dev split (fitted on the rest of the training split), then refitted on all of it.
 */
export function tuneBaselineAlpha(split: SpamSplit): number {
  const { fit, dev } = devSplit(split);
  let best = { alpha: 1, score: Number.NEGATIVE_INFINITY };
  for (const alpha of [0.01, 0.03, 0.1, 0.3, 1]) {
    const m = spamNaiveBayesBaseline({ train: fit, test: dev }, { alpha }).metrics;
    if (m.accuracy + m.f1 > best.score) best = { alpha, score: m.accuracy + m.f1 };
  }
  return best.alpha;
}
