import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initTraining } from '../train/runtime.js';
import { exportLastStage, stageFolders, trainStages } from '../train/stages.js';
import { MODEL_NAMES, MODELS_DIR, stagesFor, ZOO_ROOT } from '../zoo.js';

const USAGE = `usage: pnpm zoo:train <model> [options]
  model: ${MODEL_NAMES.join(' | ')}
  --max-minutes M   stop after M minutes with a checkpoint (run again to continue)
  --fresh           discard the model's checkpoint and start over
  --smoke           a few steps of a tiny schedule into .cache/smoke (CI); never touches models/
  --out DIR         where the model folder is written (default zoo-models/models/<model>)
  --checkpoint-dir DIR
                    where the run's checkpoint lives (default .cache/train/<model>): a copy of it there
                    continues as a separate run, to try a schedule change beside the main one
  --steps N         change the planned total of steps of this run (kept when resuming; recorded in training.json)
  --export          write the model folder from the finished checkpoint without training
A model trained in stages (g2p-cmudict: base, then continued) runs them in order; the earlier stages live in
.cache/train/<model>.<stage> and their exports beside them, and the options above that name one run (--out,
--checkpoint-dir, --steps, --export) are about the last stage.`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'max-minutes': { type: 'string' },
      fresh: { type: 'boolean' },
      steps: { type: 'string' },
      smoke: { type: 'boolean' },
      export: { type: 'boolean' },
      out: { type: 'string' },
      'checkpoint-dir': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const name = positionals[0];
  if (values.help || !name || !(MODEL_NAMES as readonly string[]).includes(name) || positionals.length > 1) {
    process.stdout.write(`${USAGE}\n`);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const smoke = values.smoke ?? false;
  const cacheDir = join(ZOO_ROOT, '.cache', smoke ? 'smoke' : 'train');
  const checkpointDir = values['checkpoint-dir'] ?? join(cacheDir, name);
  const outDir = values.out ?? (smoke ? join(cacheDir, `${name}-model`) : join(MODELS_DIR, name));
  const stages = stagesFor(name, smoke);
  const options = { checkpointDir, outDir, cacheDir };
  if (values.fresh || smoke)
    for (const folders of stageFolders(name, stages, options))
      await rm(folders.checkpointDir, { recursive: true, force: true });
  await initTraining();
  if (values.export) {
    const { step, of } = await exportLastStage(name, stages, options);
    process.stdout.write(`${name}: exported step ${step} of ${of} to ${outDir}\n`);
    process.exit(0);
  }
  const maxMinutes = values['max-minutes'] === undefined ? undefined : Number(values['max-minutes']);
  const steps = values.steps === undefined ? undefined : Number(values.steps);
  await trainStages(name, stages, {
    ...options,
    ...(maxMinutes !== undefined && { maxMinutes }),
    ...(steps !== undefined && { steps }),
  });
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
