import type { Email, SpamSplit } from '../data/spam.js';
import { spamTokens } from '../data/spam-tokens.js';
import { type BinaryMetrics, binaryMetrics } from '../metrics/classification.js';
import { MultinomialNaiveBayes } from './naive-bayes.js';

/**
 * The baseline the spam classifier must beat: multinomial naive Bayes on the counts of spamTokens (every token
 * of the text, no truncation), fitted on the train split and scored on the test split.
 */
export interface SpamBaseline {
  readonly model: MultinomialNaiveBayes;
  readonly metrics: BinaryMetrics;
}

export function spamNaiveBayesBaseline(split: Pick<SpamSplit, 'train' | 'test'>, options: { alpha?: number } = {}): SpamBaseline {
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
