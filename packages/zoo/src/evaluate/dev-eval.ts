import type { Backend } from '@attnkit/core';
import { type G2pWord, g2pSplit } from '../data/cmudict.js';
import { loadSpamSplit } from '../data/spam.js';
import { type BinaryMetrics, binaryMetrics } from '../metrics/classification.js';
import { type G2pScore, g2pScore } from '../metrics/sequence.js';
import { devSplit } from '../tasks/spam.js';
import { classifyAll } from './classify.js';
import { translateAll } from './translate.js';

/*
 * Dev-split scores of a model folder, through the models package like zoo-eval.ts: what runs, checkpoints and
 * decodings were chosen by (the cards' runs tables and decoding sweeps). Never the test split.
 */

export interface G2pDecoding {
  readonly numBeams: number;
  readonly lengthPenalty: number;
}

/** WER, PER and words wrong on the dev words (all 6,193 unless given fewer) under one decoding. */
export async function g2pDevScore(backend: Backend, folder: string, decoding: G2pDecoding, words: readonly G2pWord[] = g2pSplit('dev')): Promise<G2pScore> {
  const outputs = await translateAll(backend, folder, words.map((w) => w.word), { maxNewTokens: 40, ...decoding, batchSize: Math.max(16, Math.floor(256 / decoding.numBeams)) });
  return g2pScore(
    outputs.map((o) => o.split(' ').filter(Boolean)),
    words.map((w) => w.pronunciations),
  );
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
  const { probabilities, labels } = await classifyAll(backend, folder, dev.map((e) => e.text));
  const spam = labels.indexOf('spam');
  const ham = labels.indexOf('ham');
  if (spam < 0 || ham < 0) throw new Error(`${folder}: labels ${JSON.stringify(labels)} are not ham and spam`);
  const truth = dev.map((e) => e.label === 'spam');
  const crossEntropy = -truth.reduce((sum, isSpam, i) => sum + Math.log(probabilities[i][isSpam ? spam : ham]), 0) / dev.length;
  return { mails: dev.length, crossEntropy, metrics: binaryMetrics(probabilities.map((p) => p[spam] > 0.5), truth) };
}
