import type { TranslatorConfig } from '@attnkit/models';
import { Tokenizer } from '@attnkit/models';
import { NUMBER_SPLIT, numberPair, numbersSplit, numberTokens, trainingNumbers } from '../data/numbers.js';
import { exactMatch } from '../metrics/sequence.js';
import { tokenizerJson } from '../tokenize/tokenizer-json.js';
import { asTranslator, greedyIds } from '../train/model.js';
import type { TrainingTask } from '../train/task.js';
import { seq2seqBatch } from './seq2seq-batch.js';

/**
 * numbers-en-fr: English number words → French number words. A small model suffices: the vocabulary is
 * 62 tokens, rows are at most 18 (source) and 26 (target) tokens, and the mapping is compositional.
 */
export interface NumbersOptions {
  readonly steps?: number;
  readonly batchSize?: number;
  readonly devSize?: number;
}

export function numbersTask(options: NumbersOptions = {}): TrainingTask {
  const tokens = numberTokens();
  const tokenizer = tokenizerJson({ tokens, split: { regex: NUMBER_SPLIT }, lowercase: true, decoder: 'fuse' });
  const encoder = Tokenizer.fromJSON(tokenizer);
  const config: TranslatorConfig = {
    model_type: 'attnkit-seq2seq',
    vocab_size: encoder.vocabSize,
    d_model: 128,
    num_heads: 4,
    num_kv_heads: 4,
    ffn_dim: 256,
    encoder_layers: 2,
    decoder_layers: 2,
    activation: 'relu',
    norm: 'pre',
    positions: 'sinusoidal',
    max_positions: 64,
    layer_norm_eps: 1e-5,
    pad_token_id: 0,
    bos_token_id: 1,
    eos_token_id: 2,
  };
  const split = numbersSplit();
  const batchSize = options.batchSize ?? 64;
  const steps = options.steps ?? 1600;
  const dev = split.dev.slice(0, options.devSize ?? split.dev.length).map(numberPair);
  return {
    name: 'numbers-en-fr',
    config,
    tokenizer,
    seed: 7,
    schedule: {
      steps,
      warmupSteps: Math.min(200, Math.ceil(steps / 10)),
      peakLearningRate: 1e-3,
      finalFraction: 0.02,
      evalEvery: Math.max(1, Math.min(200, steps)),
      checkpointEvery: 100,
      weightDecay: 0.01,
    },
    describe: { data: 'n2words 4.0.0 en-US → fr-FR', batchSize, dev: dev.length },
    batch(step) {
      const pairs = trainingNumbers(split, step, batchSize).map((n) => {
        const { source, target } = numberPair(n);
        return { source: encoder.encode(source), target: encoder.encode(target) };
      });
      return seq2seqBatch(config, pairs, 0.0);
    },
    async evaluateDev(model) {
      const outputs = (
        await greedyIds(
          asTranslator(model),
          dev.map((d) => encoder.encode(d.source)),
          32,
        )
      ).map((ids) => encoder.decode(ids));
      const score = exactMatch(
        outputs,
        dev.map((d) => d.target),
      );
      return {
        score: score.accuracy,
        summary: `exact ${(100 * score.accuracy).toFixed(2)}% (${score.correct}/${score.total})`,
      };
    },
  };
}
