import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODELS_FOLDER } from '@attnkit/zoo-models';
import { g2pTask } from './tasks/g2p.js';
import { numbersTask } from './tasks/numbers.js';
import { spamTask } from './tasks/spam.js';
import type { TrainingStage } from './train/stages.js';
import type { TrainingTask } from './train/task.js';

/** packages/zoo (this file is src/zoo.ts, built to dist/zoo.js). */
export const ZOO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The shipped model folders live in the public @attnkit/zoo-models package; training writes there. */
export const MODELS_DIR = fileURLToPath(MODELS_FOLDER);
export const MODEL_NAMES = ['numbers-en-fr', 'g2p-cmudict', 'spam-classifier'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

const G2P_SMOKE = { epochs: 1, trainWords: 40, devWords: 20, tokensPerBatch: 128 } as const;

const single = (task: () => Promise<TrainingTask> | TrainingTask): TrainingStage[] => [
  { label: 'main', task: async () => task() },
];

/** How a model's shipped weights were trained, stage by stage, or (smoke) a few steps of each stage on a few examples. */
export function stagesFor(name: string, smoke = false): TrainingStage[] {
  switch (name) {
    case 'numbers-en-fr':
      return single(() => (smoke ? numbersTask({ steps: 4, devSize: 20 }) : numbersTask()));
    case 'g2p-cmudict':
      // The base run, chosen on dev; then one more cycle from its weights on the training and dev words together.
      return [
        { label: 'base', task: async () => g2pTask(smoke ? G2P_SMOKE : {}) },
        {
          label: 'continued',
          task: async (base) => g2pTask({ ...(smoke && G2P_SMOKE), continueFrom: base, refit: true }),
        },
      ];
    case 'spam-classifier':
      // On the cleaned corpus (src/data/spam-clean.ts, near-duplicates.ts) the shipped weights are the best dev step of
      // the run with the linear warm start, which beat the plain recipe on dev (the card's runs table); dev held out.
      return single(() =>
        spamTask({
          linearWarmStart: true,
          ...(smoke && { epochs: 1, trainEmails: 24, devEmails: 12, tokensPerBatch: 1024 }),
        }),
      );
    default:
      throw new Error(`unknown model ${name} (${MODEL_NAMES.join(', ')})`);
  }
}

/** The task of a model trained in one stage (numbers-en-fr, spam-classifier). */
export async function taskFor(name: string, smoke = false): Promise<TrainingTask> {
  const stages = stagesFor(name, smoke);
  if (stages.length !== 1)
    throw new Error(
      `${name} trains in ${stages.length} stages (${stages.map((s) => s.label).join(', ')}); use stagesFor`,
    );
  return stages[0].task(undefined);
}
