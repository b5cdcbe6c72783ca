import { join } from 'node:path';
import { loadCheckpoint } from './checkpoint.js';
import { type TrainResult, exportRun, fingerprint, train } from './loop.js';
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
    i === stages.length - 1 ? { checkpointDir: options.checkpointDir, outDir: options.outDir } : { checkpointDir: join(options.cacheDir, `${name}.${stage.label}`), outDir: join(options.cacheDir, `${name}.${stage.label}-model`) },
  );
}

/** Runs the stages in order; the result is the last stage's, or that of the stage that stopped. */
export async function trainStages(name: string, stages: readonly TrainingStage[], options: StagesOptions): Promise<TrainResult & { readonly stage: string }> {
  if (stages.length === 0) throw new Error(`${name}: no training stages`);
  const folders = stageFolders(name, stages, options);
  const started = Date.now();
  let previous: string | undefined;
  for (const [i, stage] of stages.entries()) {
    const last = i === stages.length - 1;
    const task = await stage.task(previous);
    if (!options.quiet && stages.length > 1) process.stdout.write(`${name}: stage ${i + 1} of ${stages.length}, ${stage.label} → ${folders[i].outDir}\n`);
    const minutesLeft = options.maxMinutes === undefined ? undefined : Math.max(0, options.maxMinutes - (Date.now() - started) / 60_000);
    const result = await train(task, {
      ...folders[i],
      ...(options.quiet !== undefined && { quiet: options.quiet }),
      ...(minutesLeft !== undefined && { maxMinutes: minutesLeft }),
      ...(last && options.steps !== undefined && { steps: options.steps }),
    });
    if (!result.finished || last) return { ...result, stage: stage.label };
    previous = folders[i].outDir;
  }
  throw new Error('unreachable');
}

/** Writes the model folder from the last stage's finished checkpoint, without training. */
export async function exportLastStage(name: string, stages: readonly TrainingStage[], options: StagesOptions): Promise<{ step: number; of: number }> {
  const folders = stageFolders(name, stages, options);
  const task = await stages[stages.length - 1].task(folders.at(-2)?.outDir);
  const { checkpointDir, outDir } = folders[folders.length - 1];
  const saved = await loadCheckpoint(checkpointDir, fingerprint(task));
  if (!saved) throw new Error(`no checkpoint of ${name} in ${checkpointDir}`);
  await exportRun(task, saved.state, { checkpointDir, outDir });
  return { step: saved.state.best?.step ?? saved.state.step, of: saved.state.step };
}
