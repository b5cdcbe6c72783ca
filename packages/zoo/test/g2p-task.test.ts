import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { g2pSplit } from '../src/data/cmudict.js';
import { G2P_SHIPPED_STEPS, g2pTask } from '../src/tasks/g2p.js';
import { MODELS_DIR } from '../src/zoo.js';

describe('g2pTask refit', () => {
  it('replays the step plan recorded in the shipped training.json', async () => {
    const record = JSON.parse(await readFile(join(MODELS_DIR, 'g2p-cmudict', 'training.json'), 'utf8'));
    const changes = record.scheduleChanges as { atStep: number; from: number; to: number }[];
    expect(G2P_SHIPPED_STEPS.steps).toBe(changes[0].from);
    expect(G2P_SHIPPED_STEPS.warmupSteps).toBe(record.schedule.warmupSteps);
    expect(G2P_SHIPPED_STEPS.changes).toEqual(changes.map(({ atStep, to }) => ({ atStep, to })));
    const shipped = g2pTask();
    const { peakLearningRate, finalFraction, weightDecay, checkpointEvery } = shipped.schedule;
    expect({ peakLearningRate, finalFraction, weightDecay, checkpointEvery }).toEqual({
      peakLearningRate: record.schedule.peakLearningRate,
      finalFraction: record.schedule.finalFraction,
      weightDecay: record.schedule.weightDecay,
      checkpointEvery: record.schedule.checkpointEvery,
    });
  });

  it('trains on the training and dev words, holds nothing out, and keeps the recipe otherwise', () => {
    const shipped = g2pTask();
    const refit = g2pTask({ refit: true });
    const pairs = (split: 'train' | 'dev') => g2pSplit(split).reduce((n, w) => n + w.pronunciations.length, 0);
    expect(refit.describe).toEqual({ ...shipped.describe, pairs: pairs('train') + pairs('dev'), perEpoch: refit.describe.perEpoch, dev: 0, refit: true });
    expect(shipped.describe.pairs).toBe(pairs('train'));
    expect(refit.config).toEqual(shipped.config);
    expect(refit.seed).toBe(shipped.seed);
    expect(refit.schedule).toEqual({ ...shipped.schedule, ...G2P_SHIPPED_STEPS, evalEvery: refit.schedule.evalEvery });
    expect(refit.evaluateDev(() => {
      throw new Error('a refit has no dev words to decode');
    })).toEqual({ score: 0, summary: expect.stringMatching(/^refit/) });
    const smoke = g2pTask({ refit: true, epochs: 1 });
    expect(smoke.schedule.steps).toBe(smoke.describe.perEpoch);
    expect(smoke.schedule.changes).toBeUndefined();
  });
});
