import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SingleBar } from 'cli-progress';
import { AdamW } from './adamw.js';
import { loadCheckpoint, loadHost, type RunState, saveBest, saveCheckpoint } from './checkpoint.js';
import { modelFiles, writeModelFolder } from './export.js';
import { modelOver, type TrainedModel } from './model.js';
import { Parameters } from './parameters.js';
import { trainingBackend } from './runtime.js';
import { learningRate, type TrainBatch, type TrainingTask } from './task.js';

/**
 * The training loop shared by every model: AdamW on tfjs-wasm, dev evaluation every `evalEvery` steps
 * (best weights kept), a checkpoint every `checkpointEvery` steps and on stop, and export of the best
 * weights to a model folder at the end.
 */
export interface TrainOptions {
  /** Where checkpoints live (resumed from when present). */
  readonly checkpointDir: string;
  /** Where the model folder is written at the end. */
  readonly outDir: string;
  /** Stop (with a checkpoint) after this much wall time in this invocation; resume later. */
  readonly maxMinutes?: number;
  /** Stop (with a checkpoint) after this many steps in this invocation. */
  readonly maxStepsThisRun?: number;
  readonly quiet?: boolean;
  /**
   * A new planned total of steps for this run (the cosine decay follows it from the current step on). Kept in
   * the checkpoint, so later resumes keep it, and recorded in training.json.
   */
  readonly steps?: number;
}

export interface TrainResult {
  readonly finished: boolean;
  readonly state: RunState;
}

export function fingerprint(task: TrainingTask): string {
  return createHash('sha256')
    .update(JSON.stringify({ config: task.config, schedule: task.schedule, seed: task.seed, data: task.describe }))
    .digest('hex')
    .slice(0, 16);
}

/** Writes the model folder from a run's best weights, with training.json (schedule, history, time). */
export async function exportRun(
  task: TrainingTask,
  state: RunState,
  options: Pick<TrainOptions, 'checkpointDir' | 'outDir'>,
): Promise<void> {
  const best = await loadHost(join(options.checkpointDir, 'best.safetensors'));
  await writeModelFolder(options.outDir, modelFiles(task.config, task.tokenizer, best));
  const record = {
    model: task.name,
    fingerprint: state.fingerprint,
    seed: task.seed,
    schedule: { ...task.schedule, steps: state.plannedSteps ?? task.schedule.steps },
    ...(state.scheduleChanges && { scheduleChanges: state.scheduleChanges }),
    data: task.describe,
    steps: state.step,
    tokensSeen: state.tokensSeen,
    wallMinutes: Number((state.elapsedSeconds / 60).toFixed(1)),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, tfjs-wasm`,
    best: state.best,
    history: state.history,
    ...(task.startedFrom && { startedFrom: task.startedFrom }),
  };
  await writeFile(join(options.outDir, 'training.json'), `${JSON.stringify(record, null, 2)}\n`);
}

/** Planned changes must be integers, in increasing step order, each to a total at least its own step. */
function checkPlannedChanges(task: TrainingTask): void {
  const changes = task.schedule.changes ?? [];
  changes.forEach((c, i) => {
    const ordered = i === 0 || c.atStep > changes[i - 1].atStep;
    if (
      !Number.isInteger(c.atStep) ||
      !Number.isInteger(c.to) ||
      c.atStep < 0 ||
      c.to < Math.max(c.atStep, 1) ||
      !ordered
    ) {
      throw new Error(
        `${task.name}: schedule.changes[${i}] = ${JSON.stringify(c)} must have integer steps, come after the change before it, and plan a total ≥ its own step`,
      );
    }
  });
}

/** One optimizer step on a batch; returns the batch's loss. */
export function trainStep(
  model: TrainedModel,
  params: Parameters,
  optimizer: AdamW,
  batch: TrainBatch,
  lr: number,
): number {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => batch.loss(model));
    const byName: Record<string, tf.Tensor> = {};
    for (const [variable, g] of Object.entries(grads)) byName[params.nameOf.get(variable)!] = g;
    optimizer.apply(byName, lr);
    return value.dataSync()[0];
  });
}

export async function train(task: TrainingTask, options: TrainOptions): Promise<TrainResult> {
  const print = (line: string) => {
    if (!options.quiet) process.stdout.write(`${line}\n`);
  };
  checkPlannedChanges(task);
  const params = Parameters.initialize(task.config, task.seed);
  const optimizer = new AdamW(params, {
    weightDecay: task.schedule.weightDecay,
    ...(task.schedule.learningRateScale && { learningRateScale: task.schedule.learningRateScale }),
  });
  const id = fingerprint(task);
  let state: RunState = { fingerprint: id, step: 0, elapsedSeconds: 0, tokensSeen: 0, best: null, history: [] };
  const saved = await loadCheckpoint(options.checkpointDir, id);
  if (saved) {
    state = saved.state;
    params.assign(
      Object.fromEntries(
        Object.entries(saved.tensors)
          .filter(([k]) => k.startsWith('param/'))
          .map(([k, t]) => [k.slice(6), t]),
      ),
    );
    optimizer.assign(saved.tensors, state.step);
    print(
      `${task.name}: resumed at step ${state.step}/${state.plannedSteps ?? task.schedule.steps} (${(state.elapsedSeconds / 60).toFixed(1)} min so far)`,
    );
  } else {
    if (task.initialWeights) {
      const host = params.toHost();
      await task.initialWeights(host);
      params.assign(host);
    }
    print(
      `${task.name}: ${params.count.toLocaleString('en-US')} parameters, ${task.schedule.steps} steps, fingerprint ${id}`,
    );
  }
  const backend = await trainingBackend();
  const model = modelOver(backend, task.config, params);
  let schedule = { ...task.schedule, steps: state.plannedSteps ?? task.schedule.steps };
  /** A new planned total from this step on: the schedule the loop follows, the run's state and its record. */
  const changeTotal = (to: number) => {
    const from = schedule.steps;
    if (to === from) return;
    schedule = { ...schedule, steps: to };
    state = {
      ...state,
      plannedSteps: to,
      scheduleChanges: [...(state.scheduleChanges ?? []), { atStep: state.step, from, to }],
    };
    print(`${task.name}: planned steps changed from ${from} to ${to} at step ${state.step}`);
  };
  if (options.steps !== undefined) {
    if (!Number.isInteger(options.steps) || options.steps < Math.max(state.step, 1))
      throw new Error(`--steps must be an integer ≥ the current step ${state.step}`);
    changeTotal(options.steps);
  }
  /** The task's own change at this step, if any (once: a resumed run has it in its state already). */
  const applyPlannedChange = () => {
    const change = task.schedule.changes?.find((c) => c.atStep === state.step);
    if (!change || state.scheduleChanges?.some((c) => c.atStep === state.step && c.to === change.to)) return;
    changeTotal(change.to);
    bar?.setTotal(change.to);
  };

  const checkpoint = async () => {
    const tensors = Object.fromEntries(Object.entries(params.toHost()).map(([k, t]) => [`param/${k}`, t]));
    await saveCheckpoint(options.checkpointDir, state, { ...tensors, ...optimizer.toHost() });
  };

  const bar = options.quiet
    ? null
    : new SingleBar({
        format: `${task.name} [{bar}] {value}/{total} | loss {loss} | {tps} tok/s | lr {lr} | ETA {eta_formatted} | dev {dev}`,
        noTTYOutput: true,
        notTTYSchedule: 20_000,
        etaBuffer: 50,
        hideCursor: true,
      });
  const devOf = () => state.history.at(-1)?.summary ?? '–';
  bar?.start(schedule.steps, state.step, { loss: '–', tps: '–', lr: '–', dev: devOf() });

  /** Whether dev picks the exported weights; otherwise every evaluation keeps the latest (exportStep 'last'). */
  const choosesByDev = task.exportStep !== 'last';
  const started = Date.now();
  const startStep = state.step;
  let lossAverage = Number.NaN;
  let windowTokens = 0;
  let windowStart = Date.now();
  let tps = 0;
  let stopped = false;
  let lastTick = Date.now();
  applyPlannedChange();
  while (state.step < schedule.steps) {
    const step = state.step;
    const lr = learningRate(schedule, step);
    const batch = task.batch(step);
    const loss = trainStep(model, params, optimizer, batch, lr);
    if (!Number.isFinite(loss))
      throw new Error(`${task.name}: loss is ${loss} at step ${step}; lower the learning rate`);
    lossAverage = Number.isNaN(lossAverage) ? loss : 0.98 * lossAverage + 0.02 * loss;
    windowTokens += batch.tokens;
    const now = Date.now();
    if (now - windowStart > 5000) {
      tps = (windowTokens * 1000) / (now - windowStart);
      windowTokens = 0;
      windowStart = now;
    }
    state = {
      ...state,
      step: step + 1,
      tokensSeen: state.tokensSeen + batch.tokens,
      elapsedSeconds: state.elapsedSeconds + (now - lastTick) / 1000,
    };
    lastTick = now;
    // Before `last`: a plan that ends here but is extended here has not ended.
    applyPlannedChange();
    const last = state.step === schedule.steps;
    if (state.step % schedule.evalEvery === 0 || last) {
      const host = params.toHost();
      const dev = await task.evaluateDev(model);
      const record = {
        step: state.step,
        score: dev.score,
        summary: dev.summary,
        trainLoss: lossAverage,
        elapsedSeconds: state.elapsedSeconds,
      };
      // Ties go to the later step: same dev score after more (and lower-rate) training.
      const improved = !choosesByDev || !state.best || dev.score >= state.best.score;
      state = {
        ...state,
        history: [...state.history, record],
        best: improved ? { step: state.step, score: dev.score } : state.best,
      };
      if (improved) await saveBest(options.checkpointDir, host);
      if (bar && !process.stdout.isTTY) bar.stop();
      print(
        `${task.name} step ${state.step}: train loss ${lossAverage.toFixed(4)}, dev ${dev.summary}${improved && choosesByDev ? ' (best)' : ''}`,
      );
      if (bar && !process.stdout.isTTY)
        bar.start(schedule.steps, state.step, {
          loss: lossAverage.toFixed(4),
          tps: tps.toFixed(0),
          lr: lr.toExponential(2),
          dev: devOf(),
        });
    }
    bar?.update(state.step, {
      loss: lossAverage.toFixed(4),
      tps: tps.toFixed(0),
      lr: lr.toExponential(2),
      dev: devOf(),
    });
    const outOfTime = options.maxMinutes !== undefined && Date.now() - started > options.maxMinutes * 60_000;
    const outOfSteps = options.maxStepsThisRun !== undefined && state.step - startStep >= options.maxStepsThisRun;
    if (state.step % schedule.checkpointEvery === 0 || last || outOfTime || outOfSteps) await checkpoint();
    if (!last && (outOfTime || outOfSteps)) {
      stopped = true;
      break;
    }
  }
  bar?.stop();
  if (!stopped) {
    await exportRun(task, state, options);
    print(
      `${task.name}: done in ${(state.elapsedSeconds / 60).toFixed(1)} min; best dev ${state.best?.score.toFixed(4)} at step ${state.best?.step}; exported to ${options.outDir}`,
    );
  } else {
    print(`${task.name}: stopped at step ${state.step}/${schedule.steps}; run the same command again to continue`);
  }
  model.dispose();
  backend.dispose();
  optimizer.dispose();
  params.dispose();
  return { finished: !stopped, state };
}
