import { type Dropout, mulberry32, type TranslatorConfig } from '@attnkit/models';
import { deviceCrossEntropy } from '../train/loss.js';
import { asTranslator } from '../train/model.js';
import type { TrainBatch } from '../train/task.js';

/**
 * A teacher-forced batch: encoder rows source + EOS, decoder rows BOS + target, predicted rows target + EOS
 * (exactly what generation feeds and expects: the models start from BOS and stop at EOS).
 */
export interface TokenPair {
  readonly source: readonly number[];
  readonly target: readonly number[];
}

export function seq2seqBatch(
  config: TranslatorConfig,
  pairs: readonly TokenPair[],
  smoothing: number,
  dropout?: Dropout,
): TrainBatch {
  const sources = pairs.map((p) => [...p.source, config.eos_token_id]);
  const decoderInputs = pairs.map((p) => [config.bos_token_id, ...p.target]);
  const T = Math.max(...decoderInputs.map((row) => row.length));
  const targets = new Int32Array(pairs.length * T);
  const weights = new Float32Array(pairs.length * T);
  pairs.forEach((p, b) => {
    [...p.target, config.eos_token_id].forEach((id, t) => {
      targets[b * T + t] = id;
      weights[b * T + t] = 1;
    });
  });
  const tokens = pairs.reduce((n, p) => n + p.source.length + p.target.length + 2, 0);
  return {
    tokens,
    loss: (model) => {
      const translator = asTranslator(model);
      const logits = translator.teacherForcedLogits(sources, decoderInputs, dropout ? { dropout } : {});
      return deviceCrossEntropy(translator, logits, targets, weights, smoothing);
    },
  };
}

/**
 * Batches of about `tokensPerBatch` padded tokens from examples sorted by length inside shuffled pools of
 * 50 batches (bucketing: little padding, yet every batch a different mix). Deterministic for a seed.
 */
export function bucketBatches<T>(
  items: readonly T[],
  lengthOf: (t: T) => number,
  tokensPerBatch: number,
  next: () => number,
): T[][] {
  const shuffled = [...items];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const averageLength = items.reduce((n, t) => n + lengthOf(t), 0) / Math.max(items.length, 1);
  const pool = Math.max(1, Math.round((50 * tokensPerBatch) / Math.max(averageLength, 1)));
  const batches: T[][] = [];
  for (let start = 0; start < shuffled.length; start += pool) {
    const chunk = shuffled.slice(start, start + pool).sort((a, b) => lengthOf(a) - lengthOf(b));
    let current: T[] = [];
    let longest = 0;
    for (const item of chunk) {
      const longer = Math.max(longest, lengthOf(item));
      if (current.length > 0 && longer * (current.length + 1) > tokensPerBatch) {
        batches.push(current);
        current = [];
      }
      current.push(item);
      longest = current.length === 1 ? lengthOf(item) : longer;
    }
    if (current.length > 0) batches.push(current);
  }
  for (let i = batches.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [batches[i], batches[j]] = [batches[j], batches[i]];
  }
  return batches;
}

/**
 * The batches of step `step` when epoch e is bucketBatches with seed `seedBase + e`. Bucketing gives each
 * epoch a slightly different batch count, so an epoch is defined as epoch 0's count (`perEpoch`) of steps,
 * wrapping around a shorter epoch. The current epoch's batches are kept between calls.
 */
export function epochBatcher<T>(
  items: readonly T[],
  lengthOf: (t: T) => number,
  tokensPerBatch: number,
  seedBase: number,
) {
  const make = (epoch: number) => bucketBatches(items, lengthOf, tokensPerBatch, mulberry32(seedBase + epoch));
  let cached = { epoch: 0, batches: make(0) };
  const perEpoch = cached.batches.length;
  return {
    perEpoch,
    at(step: number): T[] {
      const epoch = Math.floor(step / perEpoch);
      if (cached.epoch !== epoch) cached = { epoch, batches: make(epoch) };
      return cached.batches[(step % perEpoch) % cached.batches.length];
    },
  };
}
