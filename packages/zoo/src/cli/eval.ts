import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { swiftShaderEnv } from '@attnkit/matrix';
import { BACKEND_NAMES, openBackend } from '../evaluate/backends.js';
import {
  metricsBlock,
  replaceBlock,
  TRAINING_END,
  TRAINING_START,
  type TrainingRecord,
  trainingBlock,
  withMetrics,
} from '../evaluate/card.js';
import { writeSamples } from '../evaluate/samples.js';
import { evaluateG2p, evaluateNumbers, evaluateSpam, type ModelMetrics } from '../evaluate/zoo-eval.js';
import { MODEL_NAMES, MODELS_DIR } from '../zoo.js';

const USAGE = `usage: pnpm zoo:eval [--backend NAME] [--models a,b] [--write]
  --backend   ${BACKEND_NAMES.join(' | ')} (default tfjs-wasm)
  --models    which models (default: all of ${MODEL_NAMES.join(', ')})
  --write     write metrics.json, samples.json and the metrics block of each model card (README.md)`;

async function main(): Promise<void> {
  // The program, not the library, chooses Dawn's Vulkan driver: SwiftShader unless the environment names one.
  Object.assign(process.env, swiftShaderEnv());
  const { values } = parseArgs({
    options: {
      backend: { type: 'string' },
      models: { type: 'string' },
      write: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const backendName = values.backend ?? 'tfjs-wasm';
  const models = values.models ? values.models.split(',') : [...MODEL_NAMES];
  for (const m of models)
    if (!(MODEL_NAMES as readonly string[]).includes(m)) throw new Error(`unknown model ${m}\n${USAGE}`);
  const backend = await openBackend(backendName);
  process.stdout.write(`backend ${backendName}: ${JSON.stringify(backend.runsOn)}\n`);
  try {
    for (const name of models) {
      const folder = join(MODELS_DIR, name);
      const started = performance.now();
      const metrics: ModelMetrics =
        name === 'numbers-en-fr'
          ? await evaluateNumbers(backend, folder)
          : name === 'g2p-cmudict'
            ? await evaluateG2p(backend, folder)
            : await evaluateSpam(backend, folder);
      const seconds = (performance.now() - started) / 1000;
      const block = metricsBlock(metrics, backendName);
      process.stdout.write(`\n## ${name} (${seconds.toFixed(0)} s)\n\n${block}\n`);
      if (values.write) {
        await writeFile(
          join(folder, 'metrics.json'),
          `${JSON.stringify({ backend: backendName, runsOn: backend.runsOn, ...metrics }, null, 2)}\n`,
        );
        const cardPath = join(folder, 'README.md');
        let card = withMetrics(await readFile(cardPath, 'utf8').catch(() => `# ${name}\n`), block);
        const training = JSON.parse(await readFile(join(folder, 'training.json'), 'utf8')) as TrainingRecord;
        if (card.includes(TRAINING_START))
          card = replaceBlock(card, TRAINING_START, TRAINING_END, trainingBlock(training));
        await writeFile(cardPath, card);
        await writeSamples(MODELS_DIR, name);
      }
    }
  } finally {
    backend.dispose();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
