import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { g2pSplit } from '../src/data/cmudict.js';
import { G2P_CONTINUATION, G2P_SHIPPED_STEPS, g2pTask } from '../src/tasks/g2p.js';
import { loadHost } from '../src/train/checkpoint.js';
import { fingerprint, train } from '../src/train/loop.js';
import type { TrainedModel } from '../src/train/model.js';
import { Parameters } from '../src/train/parameters.js';
import { initTraining } from '../src/train/runtime.js';
import { MODELS_DIR } from '../src/zoo.js';

const SHIPPED = join(MODELS_DIR, 'g2p-cmudict');

describe('g2pTask refit', () => {
  it('replays the step plan recorded in the shipped training.json', async () => {
    const shipped = JSON.parse(await readFile(join(MODELS_DIR, 'g2p-cmudict', 'training.json'), 'utf8'));
    // The base run: the first record in the chain of runs the shipped weights were continued from.
    let record = shipped;
    while (record.startedFrom) record = record.startedFrom;
    const changes = record.scheduleChanges as { atStep: number; from: number; to: number }[];
    expect(G2P_SHIPPED_STEPS.steps).toBe(changes[0].from);
    expect(G2P_SHIPPED_STEPS.warmupSteps).toBe(record.schedule.warmupSteps);
    expect(G2P_SHIPPED_STEPS.changes).toEqual(changes.map(({ atStep, to }) => ({ atStep, to })));
    const base = g2pTask();
    expect(base.schedule).toMatchObject(G2P_SHIPPED_STEPS);
    const { peakLearningRate, finalFraction, weightDecay, checkpointEvery } = base.schedule;
    expect({ peakLearningRate, finalFraction, weightDecay, checkpointEvery }).toEqual({
      peakLearningRate: record.schedule.peakLearningRate,
      finalFraction: record.schedule.finalFraction,
      weightDecay: record.schedule.weightDecay,
      checkpointEvery: record.schedule.checkpointEvery,
    });
  });

  it('trains on the training and dev words, holds nothing out, and keeps the recipe otherwise', async () => {
    const shipped = g2pTask();
    const refit = g2pTask({ refit: true });
    const pairs = (split: 'train' | 'dev') => g2pSplit(split).reduce((n, w) => n + w.pronunciations.length, 0);
    expect(refit.describe).toEqual({
      ...shipped.describe,
      pairs: pairs('train') + pairs('dev'),
      perEpoch: refit.describe.perEpoch,
      dev: 0,
      refit: true,
    });
    expect(shipped.describe.pairs).toBe(pairs('train'));
    expect(refit.config).toEqual(shipped.config);
    expect(refit.seed).toBe(shipped.seed);
    expect(refit.schedule).toEqual({ ...shipped.schedule, ...G2P_SHIPPED_STEPS, evalEvery: refit.schedule.evalEvery });
    // A refit has no dev words to decode: it never touches the model.
    await expect(refit.evaluateDev(null as unknown as TrainedModel)).resolves.toEqual({
      score: 0,
      summary: expect.stringMatching(/^refit/),
    });
    const smoke = g2pTask({ refit: true, epochs: 1 });
    expect(smoke.schedule.steps).toBe(smoke.describe.perEpoch);
    expect(smoke.schedule.changes).toBeUndefined();
  });
});

describe('g2pTask continued from trained weights', () => {
  it("starts from the folder's weights, follows the continuation cycle, and names the weights in its fingerprint", async () => {
    await initTraining();
    const plain = g2pTask();
    const select = g2pTask({ continueFrom: SHIPPED });
    const refit = g2pTask({ continueFrom: SHIPPED, refit: true });
    const sha256 = createHash('sha256')
      .update(await readFile(join(SHIPPED, 'model.safetensors')))
      .digest('hex')
      .slice(0, 16);
    expect(select.describe).toEqual({ ...plain.describe, continuedFrom: sha256, exportStep: 'last' });
    expect(refit.describe).toMatchObject({ refit: true, dev: 0, continuedFrom: sha256, exportStep: 'last' });
    const record = JSON.parse(await readFile(join(SHIPPED, 'training.json'), 'utf8'));
    for (const task of [select, refit]) {
      expect(task.startedFrom).toEqual(record);
      expect(task.exportStep).toBe('last');
      expect(task.schedule).toMatchObject(G2P_CONTINUATION);
      expect(task.schedule.changes).toBeUndefined();
    }
    expect(new Set([plain, select, refit, g2pTask({ refit: true })].map(fingerprint)).size).toBe(4);

    const params = Parameters.initialize(select.config, select.seed);
    const host = params.toHost();
    params.dispose();
    await select.initialWeights!(host);
    const shipped = await loadHost(join(SHIPPED, 'model.safetensors'));
    expect(Object.keys(host).sort()).toEqual(Object.keys(shipped).sort());
    for (const [name, t] of Object.entries(shipped))
      expect(Array.from(host[name].data), name).toEqual(Array.from(t.data));

    const other = g2pTask({ continueFrom: join(MODELS_DIR, 'numbers-en-fr') });
    await expect(other.initialWeights!(host)).rejects.toThrow(/embed_tokens\.weight is missing or is not \[70, 128\]/);
  }, 60_000);

  it('is the recipe of the shipped weights: their recorded fingerprint comes back from the task and their record', async () => {
    const shipped = JSON.parse(await readFile(join(SHIPPED, 'training.json'), 'utf8'));
    // The description names the weights the run started from (gone from the folder now), so it is taken from the record.
    const task = g2pTask({ continueFrom: SHIPPED, refit: true });
    expect(shipped.data).toEqual({ ...task.describe, continuedFrom: shipped.data.continuedFrom });
    expect(fingerprint({ ...task, describe: shipped.data })).toBe(shipped.fingerprint);
  });

  it('exports its last step, not its best dev score', async () => {
    await initTraining();
    const small = g2pTask({ continueFrom: SHIPPED, epochs: 1, trainWords: 60, devWords: 20, tokensPerBatch: 128 });
    let calls = 0;
    // Each evaluation scores worse than the last: a run choosing by dev would export the first.
    const falling = { ...small, evaluateDev: () => ({ score: -calls++, summary: `eval ${calls}` }) };
    const dir = await mkdtemp(join(tmpdir(), 'zoo-g2p-continued-'));
    try {
      const run = await train(falling, { checkpointDir: join(dir, 'run'), outDir: join(dir, 'model'), quiet: true });
      expect(run.state.history.length).toBeGreaterThan(1);
      expect(run.state.best?.step).toBe(small.schedule.steps);
      const exported = await loadHost(join(dir, 'model', 'model.safetensors'));
      const final = await loadHost(join(dir, 'run', 'checkpoint.safetensors'));
      for (const [name, tensor] of Object.entries(exported))
        expect(Array.from(tensor.data), name).toEqual(Array.from(final[`param/${name}`].data));
      const record = JSON.parse(await readFile(join(dir, 'model', 'training.json'), 'utf8'));
      expect(record.data).toMatchObject({ continuedFrom: small.describe.continuedFrom, exportStep: 'last' });
      expect(record.startedFrom).toEqual(JSON.parse(await readFile(join(SHIPPED, 'training.json'), 'utf8')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
