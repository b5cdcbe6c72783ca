import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { AdamW } from '../train/adamw.js';
import { trainStep } from '../train/loop.js';
import { modelOver } from '../train/model.js';
import { Parameters } from '../train/parameters.js';
import { initTraining, trainingBackend } from '../train/runtime.js';
import { learningRate } from '../train/task.js';
import { MODEL_NAMES, stagesFor } from '../zoo.js';

/**
 * Training throughput on tfjs-wasm, the figure the model cards quote: real (unpadded) tokens per second of
 * optimizer steps (forward, gradients, AdamW) on each model's first-stage batches from step 0, fresh
 * weights. A few warm-up steps are not timed. Run it on an idle machine; it prints the load.
 */
const USAGE = `usage: pnpm zoo:train-speed [--models a,b] [--steps N] [--warmup N]
  --models   ${MODEL_NAMES.join(' | ')} (default all)
  --steps    timed steps per model (default 20)
  --warmup   untimed steps first (default 3)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const models = (values.models ?? MODEL_NAMES.join(',')).split(',');
  const steps = Number(values.steps ?? 20);
  const warmup = Number(values.warmup ?? 3);
  for (const name of models) {
    if (!(MODEL_NAMES as readonly string[]).includes(name)) throw new Error(`unknown model ${name}\n${USAGE}`);
  }
  if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(warmup) || warmup < 0)
    throw new Error(`--steps must be an integer ≥ 1 and --warmup ≥ 0\n${USAGE}`);
  await initTraining();
  process.stdout.write(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${cpus().length} cores; tfjs-wasm; ${warmup} warm-up + ${steps} timed steps\n`,
  );
  process.stdout.write('| model | tokens | seconds | tokens/s | ms/step |\n|---|---|---|---|---|\n');
  for (const name of models) {
    const task = await stagesFor(name)[0].task(undefined);
    const params = Parameters.initialize(task.config, task.seed);
    const optimizer = new AdamW(params, { weightDecay: task.schedule.weightDecay });
    const backend = await trainingBackend();
    const model = modelOver(backend, task.config, params);
    let tokens = 0;
    let started = 0;
    for (let step = 0; step < warmup + steps; step++) {
      if (step === warmup) started = performance.now();
      const batch = task.batch(step);
      trainStep(model, params, optimizer, batch, learningRate(task.schedule, step));
      if (step >= warmup) tokens += batch.tokens;
    }
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `| ${name} | ${tokens} | ${seconds.toFixed(2)} | ${(tokens / seconds).toFixed(0)} | ${((1000 * seconds) / steps).toFixed(1)} |\n`,
    );
    model.dispose();
    backend.dispose();
    optimizer.dispose();
    params.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
