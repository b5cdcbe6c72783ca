import type { Backend } from '@attnkit/core';
import { type G2pWord, g2pSplit } from '../data/cmudict.js';
import { loadSpamSplit } from '../data/spam.js';
import type { BinaryMetrics } from '../metrics/classification.js';
import type { G2pScore } from '../metrics/sequence.js';
import { devSplit } from '../tasks/spam.js';
import { scoreG2pWords, scoreMails } from './score-folder.js';

/*
 * Dev-split scores of a model folder, through the models package like zoo-eval.ts: what runs, checkpoints and
 * decodings were chosen by (the cards' runs tables and decoding sweeps). Never the test split.
 */

export interface G2pDecoding {
  readonly numBeams: number;
  readonly lengthPenalty: number;
}

/** WER, PER and words wrong on the dev words (all 6,193 unless given fewer) under one decoding. */
export async function g2pDevScore(
  backend: Backend,
  folder: string,
  decoding: G2pDecoding,
  words: readonly G2pWord[] = g2pSplit('dev'),
): Promise<G2pScore> {
  const { score } = await scoreG2pWords(backend, folder, words, {
    maxNewTokens: 40,
    ...decoding,
    batchSize: Math.max(16, Math.floor(256 / decoding.numBeams)),
  });
  return score;
}

export interface SpamDevScore {
  readonly mails: number;
  /** Mean −log P(true label): the spam runs' selection rule compares it. */
  readonly crossEntropy: number;
  readonly metrics: BinaryMetrics;
}

/** The classifier on the dev mails (the 10% of the training split that spamTask holds out, or its first `limit`). */
export async function spamDevScore(backend: Backend, folder: string, limit?: number): Promise<SpamDevScore> {
  const dev = devSplit(await loadSpamSplit()).dev.slice(0, limit);
  const { probabilities, ham, spam, truth, metrics } = await scoreMails(backend, folder, dev);
  const crossEntropy =
    -truth.reduce((sum, isSpam, i) => sum + Math.log(probabilities[i][isSpam ? spam : ham]), 0) / dev.length;
  return { mails: dev.length, crossEntropy, metrics };
}
