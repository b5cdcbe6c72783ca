import type { Email, SpamSplit } from '../data/spam.js';
import { spamTokens } from '../data/spam-tokens.js';
import { type BinaryMetrics, binaryMetrics } from '../metrics/classification.js';
import { fitLogisticRegression, logisticScore } from './logistic-regression.js';
import { MultinomialNaiveBayes } from './naive-bayes.js';

/**
 * The baseline the spam classifier must beat: multinomial naive Bayes on the counts of spamTokens (every token
 * of the text, no truncation), fitted on the train split and scored on the test split.
 */
export interface SpamBaseline {
  readonly model: MultinomialNaiveBayes;
  readonly metrics: BinaryMetrics;
}

export function spamNaiveBayesBaseline(
  split: Pick<SpamSplit, 'train' | 'test'>,
  options: { alpha?: number } = {},
): SpamBaseline {
  const isSpam = (email: Email) => email.label === 'spam';
  const model = MultinomialNaiveBayes.fit(
    split.train.map((email) => spamTokens(email.text)),
    split.train.map(isSpam),
    options,
  );
  const metrics = binaryMetrics(
    split.test.map((email) => model.predict(spamTokens(email.text))),
    split.test.map(isSpam),
  );
  return { model, metrics };
}

/**
 * A second, stronger reference point: the bag-of-words logistic regression of logistic-regression.ts on the same
 * tokens (every token of the text; the vocabulary is every token of the train split, others are dropped), with
 * the settings of the diagnostic that first ran it (30 epochs, rate 0.5, no penalty).
 */
export function spamLogisticBaseline(split: Pick<SpamSplit, 'train' | 'test'>): BinaryMetrics {
  const isSpam = (email: Email) => email.label === 'spam';
  const ids = new Map<string, number>();
  const train = split.train.map((email) =>
    spamTokens(email.text).map((token) => {
      if (!ids.has(token)) ids.set(token, ids.size);
      return ids.get(token)!;
    }),
  );
  const model = fitLogisticRegression(train, split.train.map(isSpam), Math.max(ids.size, 1));
  const known = (email: Email) => spamTokens(email.text).flatMap((token) => ids.get(token) ?? []);
  return binaryMetrics(
    split.test.map((email) => logisticScore(model, known(email)) > 0),
    split.test.map(isSpam),
  );
}
