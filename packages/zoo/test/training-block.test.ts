import { describe, expect, it } from 'vitest';
import { TRAINING_END, TRAINING_START, type TrainingRecord, trainingBlock } from '../src/evaluate/card.js';

const record: TrainingRecord = {
  steps: 20,
  tokensSeen: 12_345,
  wallMinutes: 1.5,
  machine: '2 × CPU',
  seed: 7,
  schedule: { steps: 20, warmupSteps: 2, peakLearningRate: 0.002, finalFraction: 0.05, weightDecay: 0.01 },
  best: { step: 10, score: 1.9 },
  history: [
    { step: 10, summary: 'acc 99.00% F1 0.9800', trainLoss: 0.25, elapsedSeconds: 45 },
    { step: 20, summary: 'acc 98.00% F1 0.9700', trainLoss: 0.2, elapsedSeconds: 90 },
  ],
};

describe('trainingBlock', () => {
  it('names the best dev step and keeps a dev column for a run with a dev set', () => {
    const block = trainingBlock(record);
    expect(block.startsWith(TRAINING_START) && block.endsWith(TRAINING_END)).toBe(true);
    expect(block).toContain('- 20 steps (12,345 tokens) in **1.5 minutes**');
    expect(block).toContain('- Exported weights: the best dev score, at step 10.');
    expect(block).toContain('| step | train loss | dev | minutes |');
    expect(block).toContain('| 10 | 0.2500 | acc 99.00% F1 0.9800 | 0.8 |');
  });

  it('says a refit exports its last step and drops the dev column, which has nothing to show', () => {
    const block = trainingBlock({ ...record, best: { step: 20, score: 0 }, data: { refit: true } });
    expect(block).not.toContain('best dev');
    expect(block).toContain('the exported weights are the last step’s, 20.');
    expect(block).toContain(
      '| step | train loss | minutes |\n|---|---|---|\n| 10 | 0.2500 | 0.8 |\n| 20 | 0.2000 | 1.5 |',
    );
  });

  it('says a run continued from trained weights started from them, and which export it made', () => {
    const continued = trainingBlock({
      ...record,
      best: { step: 20, score: 1.8 },
      data: { continuedFrom: '352a278d80de0660', exportStep: 'last' },
    });
    expect(continued).toContain('- Started from trained weights (model.safetensors with SHA-256 352a278d80de0660…)');
    expect(continued).toContain('- Exported weights: the last step’s, 20 (the recipe was fixed before the run');
    expect(continued).toContain('| 10 | 0.2500 | acc 99.00% F1 0.9800 | 0.8 |');
    expect(trainingBlock(record)).not.toContain('Started from');
  });

  it('shows the run a continuation started from first, as stage 1, then the continuation', () => {
    const continuation = {
      ...record,
      best: { step: 20, score: 0 },
      data: { refit: true, continuedFrom: '352a278d80de0660', exportStep: 'last' as const },
      startedFrom: record,
    };
    const block = trainingBlock(continuation);
    expect(block.startsWith(`${TRAINING_START}\n**Stage 1 of 2**\n\n- 20 steps`)).toBe(true);
    const second = block.indexOf('**Stage 2 of 2, from the weights stage 1 exported**');
    expect(second).toBeGreaterThan(block.indexOf('- Exported weights: the best dev score, at step 10.'));
    expect(block.indexOf('the exported weights are the last step’s, 20.')).toBeGreaterThan(second);
    expect(block.indexOf('| 10 | 0.2500 | acc 99.00% F1 0.9800 | 0.8 |')).toBeLessThan(second);
    expect(block.endsWith(`| 20 | 0.2000 | 1.5 |\n${TRAINING_END}`)).toBe(true);
  });

  it('tells planned changes of the total from changes by hand', () => {
    const scheduleChanges = [
      { atStep: 5, from: 20, to: 30 },
      { atStep: 25, from: 30, to: 40 },
    ];
    const byHand = trainingBlock({ ...record, scheduleChanges });
    expect(byHand).toContain(
      '- The planned total of steps was changed during the run with `--steps`: 20 → 30 at step 5; 30 → 40 at step 25.',
    );
    const planned = trainingBlock({
      ...record,
      scheduleChanges,
      schedule: {
        ...record.schedule,
        changes: [
          { atStep: 5, to: 30 },
          { atStep: 25, to: 40 },
        ],
      },
    });
    expect(planned).toContain(
      "- The planned total of steps changed at the steps the task's schedule sets (a replay of a run changed by hand): 20 → 30 at step 5;",
    );
    expect(planned).not.toContain('--steps');
  });
});
