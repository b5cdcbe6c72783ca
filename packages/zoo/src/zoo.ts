import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { g2pTask } from './tasks/g2p.js';
import { numbersTask } from './tasks/numbers.js';
import { spamTask } from './tasks/spam.js';
import type { TrainingTask } from './train/task.js';

/** packages/zoo (this file is src/zoo.ts, built to dist/zoo.js). */
export const ZOO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const MODELS_DIR = join(ZOO_ROOT, 'models');
export const MODEL_NAMES = ['numbers-en-fr', 'g2p-cmudict', 'spam-classifier'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The full training task of a model, or (smoke) a few steps of it on a few examples. */
export async function taskFor(name: string, smoke = false): Promise<TrainingTask> {
  switch (name) {
    case 'numbers-en-fr':
      return smoke ? numbersTask({ steps: 4, devSize: 20 }) : numbersTask();
    case 'g2p-cmudict':
      return smoke ? g2pTask({ epochs: 1, trainWords: 40, devWords: 20, tokensPerBatch: 128 }) : g2pTask();
    case 'spam-classifier':
      // The shipped weights are the refit on the whole training split; spamTask() alone holds out dev, for choosing a recipe.
      return spamTask({ refit: true, ...(smoke && { epochs: 1, trainEmails: 24, tokensPerBatch: 1024 }) });
    default:
      throw new Error(`unknown model ${name} (${MODEL_NAMES.join(', ')})`);
  }
}
