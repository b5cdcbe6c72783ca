import { createDevice, createReferenceBackend } from '@attnkit/core';
import {
  type ClassifierConfig,
  loadClassifier,
  loadTranslator,
  randomWeights,
  type TranslatorConfig,
} from '@attnkit/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { tokenizerJson } from '../src/tokenize/tokenizer-json.js';
import { modelFiles } from '../src/train/export.js';
import { classifierLogits, padRows, translatorLogits } from '../src/train/forward.js';
import { initTraining } from '../src/train/runtime.js';

/**
 * The trainer's tfjs forward must compute what the models package computes on the exported weights,
 * or the trained weights would mean something else at inference. Reference: the float64 backend.
 */
const tokens = [...'abcdefghijklmnopqrstuvwxyz'];
const tokenizer = tokenizerJson({ tokens, split: { regex: '.' }, lowercase: true, decoder: 'fuse' });

const translator = (norm: 'pre' | 'post', activation: 'relu' | 'gelu'): TranslatorConfig => ({
  model_type: 'attnkit-seq2seq',
  vocab_size: 30,
  d_model: 16,
  num_heads: 4,
  num_kv_heads: 4,
  ffn_dim: 24,
  encoder_layers: 2,
  decoder_layers: 2,
  activation,
  norm,
  positions: 'sinusoidal',
  max_positions: 32,
  layer_norm_eps: 1e-5,
  pad_token_id: 0,
  bos_token_id: 1,
  eos_token_id: 2,
});

beforeAll(initTraining);

describe('trainer forward = models forward', () => {
  for (const [norm, activation] of [
    ['pre', 'relu'],
    ['post', 'gelu'],
  ] as const) {
    it(`translator (${norm}-norm, ${activation}): teacher-forced logits equal the greedy steps' logits`, async () => {
      const config = translator(norm, activation);
      const host = randomWeights(config, 11);
      const backend = createReferenceBackend();
      const { model } = await loadTranslator(createDevice(backend), modelFiles(config, tokenizer, host));
      const sources = [
        [5, 6, 7, 8, 9, 2],
        [10, 11, 2],
      ];
      const steps = 5;
      const generations = await model.generate(sources, { returnLogits: true, maxNewTokens: steps });
      model.dispose();
      backend.dispose();
      // Feed each row's own greedy prefix (BOS + generated tokens) and compare every step.
      for (const [b, g] of generations.entries()) {
        const decoderInput = padRows([[1, ...g.tokens.slice(0, g.logits!.length - 1)]], 0);
        const source = padRows([sources[b].slice(0, -1).concat(2)], 0);
        const vars = Object.fromEntries(Object.entries(host).map(([k, t]) => [k, tf.tensor(t.data, t.shape)]));
        const logits = tf.tidy(
          () => translatorLogits((n) => vars[n], config, source, decoderInput).arraySync() as number[][],
        );
        tf.dispose(Object.values(vars));
        g.logits!.forEach((stepLogits, t) => {
          const diff = Math.max(...Array.from(stepLogits, (v, i) => Math.abs(v - logits[t][i])));
          expect(diff).toBeLessThan(1e-4);
        });
      }
    });
  }

  it('translator: padded rows in a batch give the same logits as alone', () => {
    const config = translator('pre', 'relu');
    const host = randomWeights(config, 3);
    const vars = Object.fromEntries(Object.entries(host).map(([k, t]) => [k, tf.tensor(t.data, t.shape)]));
    const p = (n: string) => vars[n];
    const alone = tf.tidy(
      () => translatorLogits(p, config, padRows([[5, 6, 2]], 0), padRows([[1, 7]], 0)).arraySync() as number[][],
    );
    const batched = tf.tidy(
      () =>
        translatorLogits(
          p,
          config,
          padRows(
            [
              [5, 6, 2],
              [4, 4, 4, 4, 4, 2],
            ],
            0,
          ),
          padRows(
            [
              [1, 7],
              [1, 8, 9, 10],
            ],
            0,
          ),
        ).arraySync() as number[][],
    );
    tf.dispose(Object.values(vars));
    for (let t = 0; t < 2; t++) for (let v = 0; v < 30; v++) expect(batched[t][v]).toBeCloseTo(alone[t][v], 4);
  });

  for (const pooling of ['mean', 'mean_sqrt_len', 'cls'] as const) {
    it(`classifier (${pooling} pooling): logits equal the models package's`, async () => {
      const config: ClassifierConfig = {
        model_type: 'attnkit-classifier',
        vocab_size: 30,
        d_model: 16,
        num_heads: 2,
        num_kv_heads: 2,
        ffn_dim: 24,
        num_layers: 2,
        activation: 'gelu',
        norm: 'pre',
        positions: 'sinusoidal',
        max_positions: 32,
        layer_norm_eps: 1e-5,
        pad_token_id: 0,
        pooling,
        ...(pooling === 'cls' && { cls_token_id: 3 }),
        id2label: { 0: 'ham', 1: 'spam' },
      };
      const host = randomWeights(config, 5);
      const backend = createReferenceBackend();
      const { model } = await loadClassifier(createDevice(backend), modelFiles(config, tokenizer, host));
      const rows = [
        [5, 6, 7, 8],
        [9, 10],
      ];
      const expected = await model.classify(rows);
      model.dispose();
      backend.dispose();
      const vars = Object.fromEntries(Object.entries(host).map(([k, t]) => [k, tf.tensor(t.data, t.shape)]));
      const input = padRows(pooling === 'cls' ? rows.map((r) => [3, ...r]) : rows, 0);
      const logits = tf.tidy(() => classifierLogits((n) => vars[n], config, input).arraySync() as number[][]);
      tf.dispose(Object.values(vars));
      for (const [b, e] of expected.entries())
        for (const [c, v] of e.logits.entries()) expect(logits[b][c]).toBeCloseTo(v, 4);
    });
  }
});
