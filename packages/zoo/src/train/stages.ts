import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from './checkpoint.js';
import { readTrainingRecord } from './export.js';
import { exportRun, fingerprint, type TrainResult, train } from './loop.js';
import type { TrainingTask } from './task.js';

/**
 * A model's training as stages run in order, each one's task built from the model folder the stage before it
 * exported (g2p: the base run, then one more cycle from its chosen weights). Every stage checkpoints and resumes
 * on its own; a finished stage is only exported again, so the same command continues wherever it stopped.
 */
export interface TrainingStage {
  /** Names an earlier stage's folders under the cache; the last stage's are the model's own. */
  readonly label: string;
  /** The stage's task, given the model folder the previous stage exported (undefined for the first). */
  task(previous: string | undefined): Promise<TrainingTask>;
}

export interface StagesOptions {
  /** The last stage's checkpoint and model folder (the model's own). */
  readonly checkpointDir: string;
  readonly outDir: string;
  /** Where an earlier stage keeps its checkpoint (`<name>.<label>`) and its export (`<name>.<label>-model`). */
  readonly cacheDir: string;
  /** Wall time for this invocation over all stages; stops with a checkpoint, as one stage does. */
  readonly maxMinutes?: number;
  /** A new planned total for the last stage (see TrainOptions.steps). */
  readonly steps?: number;
  readonly quiet?: boolean;
}

export interface StageFolders {
  readonly checkpointDir: string;
  readonly outDir: string;
}

export function stageFolders(name: string, stages: readonly TrainingStage[], options: StagesOptions): StageFolders[] {
  return stages.map((stage, i) =>
    i === stages.length - 1
      ? { checkpointDir: options.checkpointDir, outDir: options.outDir }
      : {
          checkpointDir: join(options.cacheDir, `${name}.${stage.label}`),
          outDir: join(options.cacheDir, `${name}.${stage.label}-model`),
        },
  );
}

/**
 * Runs the stages in order; the result is the last stage's, or that of the stage that stopped. An earlier stage
 * whose export is there with the task's fingerprint counts as finished even without its checkpoint (a copied
 * export, a cleaned cache). A later stage's checkpoint while an earlier stage is unfinished is refused at once,
 * not after the earlier stage has trained for hours.
 */
export async function trainStages(
  name: string,
  stages: readonly TrainingStage[],
  options: StagesOptions,
): Promise<TrainResult & { readonly stage: string }> {
  if (stages.length === 0) throw new Error(`${name}: no training stages`);
  const folders = stageFolders(name, stages, options);
  const print = (line: string) => {
    if (!options.quiet) process.stdout.write(`${line}\n`);
  };
  const started = Date.now();
  let previous: string | undefined;
  let result: TrainResult | undefined;
  for (const [i, stage] of stages.entries()) {
    const last = i === stages.length - 1;
    const task = await stage.task(previous);
    const { checkpointDir, outDir } = folders[i];
    if (!last) {
      const id = fingerprint(task);
      const saved = await loadCheckpoint(checkpointDir, id);
      if (saved === null && readTrainingRecord(outDir)?.fingerprint === id) {
        print(`${name}: stage ${stage.label} is finished (${outDir}); going on from its export`);
        previous = outDir;
        continue;
      }
      const trained = saved !== null && saved.state.step >= (saved.state.plannedSteps ?? task.schedule.steps);
      if (!trained) {
        const later = folders.slice(i + 1).find((f) => existsSync(join(f.checkpointDir, 'checkpoint.json')));
        if (later)
          throw new Error(
            `${name}: ${later.checkpointDir} holds a checkpoint of a later stage, but stage ${stage.label} before it is not finished; remove that folder (or pass --fresh to start every stage over)`,
          );
        if (options.steps !== undefined)
          print(
            `${name}: --steps applies to the last stage, ${stages.at(-1)!.label}; stage ${stage.label} runs its own plan`,
          );
      }
    }
    const minutesLeft =
      options.maxMinutes === undefined ? undefined : options.maxMinutes - (Date.now() - started) / 60_000;
    if (result && minutesLeft !== undefined && minutesLeft <= 0) {
      // Out of time between stages: stop before this one starts (the state is that of the finished stage before it).
      print(`${name}: out of time before stage ${stage.label}; run the same command again to continue`);
      return { ...result, finished: false, stage: stage.label };
    }
    if (stages.length > 1) print(`${name}: stage ${i + 1} of ${stages.length}, ${stage.label} → ${outDir}`);
    result = await train(task, {
      checkpointDir,
      outDir,
      ...(options.quiet !== undefined && { quiet: options.quiet }),
      ...(minutesLeft !== undefined && { maxMinutes: Math.max(0, minutesLeft) }),
      ...(last && options.steps !== undefined && { steps: options.steps }),
    });
    if (!result.finished || last) return { ...result, stage: stage.label };
    previous = outDir;
  }
  throw new Error('unreachable');
}

/** Writes the model folder from the last stage's finished checkpoint, without training. */
export async function exportLastStage(
  name: string,
  stages: readonly TrainingStage[],
  options: StagesOptions,
): Promise<{ step: number; of: number }> {
  const folders = stageFolders(name, stages, options);
  const before = folders.at(-2)?.outDir;
  if (before !== undefined && !existsSync(join(before, 'model.safetensors'))) {
    throw new Error(
      `${name}: stage ${stages.at(-2)!.label} has no export in ${before}; run \`pnpm zoo:train ${name}\` first`,
    );
  }
  const task = await stages[stages.length - 1].task(before);
  const { checkpointDir, outDir } = folders[folders.length - 1];
  const saved = await loadCheckpoint(checkpointDir, fingerprint(task));
  if (!saved) throw new Error(`no checkpoint of ${name} in ${checkpointDir}`);
  await exportRun(task, saved.state, { checkpointDir, outDir });
  return { step: saved.state.best?.step ?? saved.state.step, of: saved.state.step };
}
