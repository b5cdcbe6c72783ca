import type { Backend } from '@attnkit/core';
import type { G2pWord } from '../data/cmudict.js';
import type { Email } from '../data/spam.js';
import { type BinaryMetrics, binaryMetrics } from '../metrics/classification.js';
import { type G2pScore, g2pScore } from '../metrics/sequence.js';
import { classifyAll } from './classify.js';
import { type TranslateAllOptions, translateAll } from './translate.js';

/**
 * A model folder scored on a list of examples through the models package: the one path both the test metrics
 * (zoo-eval.ts) and the dev scores (dev-eval.ts) take, so they differ only in which examples they are given.
 */
export async function scoreG2pWords(
  backend: Backend,
  folder: string,
  words: readonly G2pWord[],
  options: TranslateAllOptions,
): Promise<{ outputs: string[]; score: G2pScore }> {
  const outputs = await translateAll(
    backend,
    folder,
    words.map((w) => w.word),
    options,
  );
  const score = g2pScore(
    outputs.map((o) => o.split(' ').filter(Boolean)),
    words.map((w) => w.pronunciations),
  );
  return { outputs, score };
}

export interface ScoredMails {
  /** Per mail, the probability of each label, in config order. */
  readonly probabilities: Float32Array[];
  /** Where 'ham' and 'spam' sit in those rows. */
  readonly ham: number;
  readonly spam: number;
  readonly truth: boolean[];
  /** Spam is positive; a mail is spam when P(spam) > 0.5. */
  readonly metrics: BinaryMetrics;
}

export async function scoreMails(backend: Backend, folder: string, mails: readonly Email[]): Promise<ScoredMails> {
  const { probabilities, labels } = await classifyAll(
    backend,
    folder,
    mails.map((e) => e.text),
  );
  const spam = labels.indexOf('spam');
  const ham = labels.indexOf('ham');
  if (spam < 0 || ham < 0) throw new Error(`${folder}: labels ${JSON.stringify(labels)} are not ham and spam`);
  const truth = mails.map((e) => e.label === 'spam');
  return {
    probabilities,
    ham,
    spam,
    truth,
    metrics: binaryMetrics(
      probabilities.map((p) => p[spam] > 0.5),
      truth,
    ),
  };
}
