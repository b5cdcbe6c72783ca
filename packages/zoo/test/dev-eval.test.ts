import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tfTensorOf } from '@attnkit/backend-tfjs';
import type { Backend } from '@attnkit/core';
import { Tokenizer } from '@attnkit/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { g2pSplit } from '../src/data/cmudict.js';
import { loadSpamSplit } from '../src/data/spam.js';
import { openBackend } from '../src/evaluate/backends.js';
import { g2pDevScore, spamDevScore } from '../src/evaluate/dev-eval.js';
import { g2pScore } from '../src/metrics/sequence.js';
import { devSplit } from '../src/tasks/spam.js';
import { loadHost } from '../src/train/checkpoint.js';
import { asClassifier, asTranslator, greedyIds, modelOver } from '../src/train/model.js';
import { Parameters } from '../src/train/parameters.js';
import { initTraining, trainingBackend } from '../src/train/runtime.js';
import { MODELS_DIR } from '../src/zoo.js';

/**
 * The dev scores that runs and decodings are chosen by, checked against a second path to the same numbers: the
 * committed weights as training variables, borrowed into the training backend (what the training loop's dev
 * evaluation runs on), instead of a model folder loaded by the pipelines.
 */
let backend: Backend;
beforeAll(async () => {
  await initTraining();
  backend = await openBackend('tfjs-wasm');
});
afterAll(() => backend.dispose());

async function trainerView(name: string) {
  const folder = join(MODELS_DIR, name);
  const config = JSON.parse(await readFile(join(folder, 'config.json'), 'utf8'));
  const tokenizer = Tokenizer.fromJSON(JSON.parse(await readFile(join(folder, 'tokenizer.json'), 'utf8')));
  const params = Parameters.fromHost(await loadHost(join(folder, 'model.safetensors')));
  const training = await trainingBackend();
  const model = modelOver(training, config, params);
  const dispose = () => {
    model.dispose();
    training.dispose();
    params.dispose();
  };
  return { folder, tokenizer, model, dispose };
}

describe('dev scores', () => {
  it('spam: the cross-entropy and errors of the pipeline path match the training model on the same weights', async () => {
    const { folder, tokenizer, model, dispose } = await trainerView('spam-classifier');
    const dev = devSplit(await loadSpamSplit()).dev.slice(0, 48);
    const rows = dev.map((e) => {
      const ids = tokenizer.encode(e.text);
      return ids.length > 0 ? ids : [3];
    });
    const classifier = asClassifier(model);
    const { logits } = classifier.forward(rows);
    const logp = tf.tidy(() => tf.logSoftmax(tfTensorOf(logits)).dataSync());
    classifier.device.dispose(logits);
    dispose();
    const truth = dev.map((e): number => (e.label === 'spam' ? 1 : 0));
    const crossEntropy = -truth.reduce((s, y, i) => s + logp[2 * i + y], 0) / dev.length;
    const errors = truth.filter((y, i) => logp[2 * i + y] < logp[2 * i + 1 - y]).length;

    const score = await spamDevScore(backend, folder, 48);
    expect(score.mails).toBe(48);
    expect(score.crossEntropy).toBeCloseTo(crossEntropy, 4);
    expect(score.metrics.fp + score.metrics.fn).toBe(errors);
    expect(score.metrics.n).toBe(48);
  }, 120_000);

  it('g2p: one beam scores what the training loop greedy decoding scores on the same dev words', async () => {
    const { folder, tokenizer, model, dispose } = await trainerView('g2p-cmudict');
    const words = g2pSplit('dev').slice(0, 40);
    const ids = await greedyIds(
      asTranslator(model),
      words.map((w) => tokenizer.encode(w.word)),
      40,
    );
    dispose();
    const expected = g2pScore(
      ids.map((row) => tokenizer.decode(row).split(' ').filter(Boolean)),
      words.map((w) => w.pronunciations),
    );
    const score = await g2pDevScore(backend, folder, { numBeams: 1, lengthPenalty: 0 }, words);
    expect(score.words).toBe(40);
    expect(score.wrongWords).toBe(expected.wrongWords);
    expect(score.per).toBeCloseTo(expected.per, 10);
  }, 120_000);
});
