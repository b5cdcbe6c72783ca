import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@attnkit/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSpamSplit } from '../src/data/spam.js';
import { devSplit, EMBEDDING_SCALE, MAX_TOKENS, spamTask, spamVocabulary } from '../src/tasks/spam.js';
import { BOS } from '../src/tokenize/tokenizer-json.js';
import { loadHost } from '../src/train/checkpoint.js';
import { train } from '../src/train/loop.js';
import { modelOver } from '../src/train/model.js';
import { Parameters } from '../src/train/parameters.js';
import { initTraining, trainingBackend } from '../src/train/runtime.js';
import { freshModel } from './helpers/trained-model.js';

beforeAll(initTraining);

/** The real corpus (decoded once, then cached); a few mails only. */
const SMALL = { epochs: 1, trainEmails: 12, devEmails: 6, tokensPerBatch: 2048 } as const;

describe('spamTask options', () => {
  it('keeps mean pooling by default, with no CLS token in its config', async () => {
    const task = await spamTask(SMALL);
    const config = parseConfig(task.config, 'attnkit-classifier');
    expect(config.pooling).toBe('mean');
    expect(config.cls_token_id).toBeUndefined();
    expect(config.max_positions).toBe(MAX_TOKENS);
  }, 120_000);

  it("'cls' gives the models package a valid config (CLS = <s>, one more position) and trains from rows that carry it", async () => {
    const task = await spamTask({ ...SMALL, pooling: 'cls' });
    const config = parseConfig(task.config, 'attnkit-classifier');
    expect(config.pooling).toBe('cls');
    expect(config.cls_token_id).toBe(BOS);
    expect(config.max_positions).toBe(MAX_TOKENS + 1);
    expect(task.describe).toEqual((await spamTask(SMALL)).describe);
    const run = await freshModel(task.config, task.seed);
    const before = tf.memory().numTensors;
    const { tokens, loss } = task.batch(0);
    const value = tf.tidy(() => loss(run.model).dataSync()[0]);
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(0);
    const dev = await task.evaluateDev(run.model);
    expect(dev.summary).toMatch(/^acc \d+\.\d\d% F1 /);
    expect(tf.memory().numTensors).toBe(before);
    expect(tokens).toBeGreaterThan(0);
    run.dispose();
  }, 120_000);

  it("'mean_sqrt_len' gives the models package a valid config without a CLS token, and its loss differs from mean pooling's on the same weights", async () => {
    const mean = await spamTask(SMALL);
    const sqrt = await spamTask({ ...SMALL, pooling: 'mean_sqrt_len' });
    const config = parseConfig(sqrt.config, 'attnkit-classifier');
    expect(config.pooling).toBe('mean_sqrt_len');
    expect(config.cls_token_id).toBeUndefined();
    expect(config.max_positions).toBe(MAX_TOKENS);
    const params = Parameters.initialize(mean.config, mean.seed);
    const backend = await trainingBackend();
    // One set of weights, each task's own model (pooling) over it.
    const lossOf = (task: typeof mean) => {
      const model = modelOver(backend, task.config, params);
      const value = tf.tidy(() => task.batch(0).loss(model).dataSync()[0]);
      model.dispose();
      return value;
    };
    expect(sqrt.batch(0).tokens).toBe(mean.batch(0).tokens);
    expect(Math.abs(lossOf(sqrt) - lossOf(mean))).toBeGreaterThan(1e-4);
    backend.dispose();
    params.dispose();
  }, 120_000);

  it('dropout is recorded in the run description, changes the training loss, replays it for the same step, and leaves evaluation alone', async () => {
    const plain = await spamTask(SMALL);
    const dropped = await spamTask({ ...SMALL, dropout: 0.3 });
    expect(dropped.describe).toEqual({ ...plain.describe, dropout: 0.3 });
    expect(dropped.config).toEqual(plain.config);
    const run = await freshModel(plain.config, plain.seed);
    const lossOf = (task: typeof plain) => tf.tidy(() => task.batch(0).loss(run.model).dataSync()[0]);
    const before = tf.memory().numTensors;
    expect(lossOf(dropped)).not.toBeCloseTo(lossOf(plain), 6);
    expect(lossOf(dropped)).toBe(lossOf(dropped));
    expect(await dropped.evaluateDev(run.model)).toEqual(await plain.evaluateDev(run.model));
    expect(tf.memory().numTensors).toBe(before);
    run.dispose();
  }, 120_000);

  it('the default scales the fresh token embeddings by EMBEDDING_SCALE, recorded in the run description; 1 leaves them as they were; it composes with the warm start', async () => {
    const plain = await spamTask({ ...SMALL, embeddingScale: 1 });
    const scaled = await spamTask(SMALL);
    expect(EMBEDDING_SCALE).toBe(0.2);
    expect(scaled.describe).toEqual({ ...plain.describe, embeddingScale: 0.2 });
    expect('embeddingScale' in plain.describe).toBe(false);
    expect(plain.initialWeights).toBeUndefined();
    const params = Parameters.initialize(plain.config, plain.seed);
    const start = () => params.toHost();
    const host = start();
    const original = Float32Array.from(host['embed_tokens.weight'].data);
    await scaled.initialWeights?.(host);
    const worst = host['embed_tokens.weight'].data.reduce((m, x, i) => Math.max(m, Math.abs(x - 0.2 * original[i])), 0);
    expect(worst).toBeLessThan(1e-6);
    const both = await spamTask({ ...SMALL, linearWarmStart: true });
    const warm = start();
    await both.initialWeights?.(warm);
    const d = plain.config.d_model;
    const table = warm['embed_tokens.weight'].data;
    expect(table[5 * d + 1]).toBeCloseTo(0.2 * original[5 * d + 1], 6);
    expect(table.some((x, i) => i % d === 0 && Math.abs(x - 0.2 * original[i]) > 1e-3)).toBe(true);
    params.dispose();
  }, 120_000);

  it('refit trains on the whole training split with its own vocabulary, has no dev mails, and the trainer exports its last step', async () => {
    const split = await loadSpamSplit();
    const refit = await spamTask({ epochs: 1, tokensPerBatch: 4096, refit: true });
    const held = await spamTask({ epochs: 1, tokensPerBatch: 4096 });
    expect(refit.describe).toEqual({
      ...held.describe,
      fit: split.train.length,
      dev: 0,
      perEpoch: refit.describe.perEpoch,
      refit: true,
    });
    expect(refit.describe.fit).toBe(devSplit(split).fit.length + devSplit(split).dev.length);
    expect(refit.schedule.steps).toBeGreaterThan(held.schedule.steps);
    /** Tokens by id (object key order would put numerals first). */
    const vocabulary = (tokenizer: Record<string, unknown>) =>
      Object.entries((tokenizer.model as { vocab: Record<string, number> }).vocab)
        .sort((a, b) => a[1] - b[1])
        .map(([token]) => token);
    expect(vocabulary(refit.tokenizer).slice(4)).toEqual(spamVocabulary(split.train));
    expect(vocabulary(refit.tokenizer)).not.toEqual(vocabulary(held.tokenizer));

    const small = await spamTask({ ...SMALL, refit: true });
    const dir = await mkdtemp(join(tmpdir(), 'zoo-spam-refit-'));
    try {
      const run = await train(small, { checkpointDir: join(dir, 'run'), outDir: join(dir, 'model'), quiet: true });
      expect(run.state.history.length).toBeGreaterThan(1);
      expect(run.state.history.every((h) => h.score === 0 && h.summary.startsWith('refit'))).toBe(true);
      expect(run.state.best?.step).toBe(small.schedule.steps);
      const exported = await loadHost(join(dir, 'model', 'model.safetensors'));
      const final = await loadHost(join(dir, 'run', 'checkpoint.safetensors'));
      for (const [name, tensor] of Object.entries(exported))
        expect(Array.from(tensor.data), name).toEqual(Array.from(final[`param/${name}`].data));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
