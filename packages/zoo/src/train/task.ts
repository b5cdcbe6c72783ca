import type { ModelConfig } from '@attnkit/models';
import type * as tf from '@tensorflow/tfjs-core';
import type { TrainedModel } from './model.js';
import type { HostTensors } from './parameters.js';

/**
 * What a model's training needs from its data: batches by step (a pure function of the step, so a resumed
 * run replays exactly what an uninterrupted one would), and a dev evaluation that picks the exported weights.
 * The final metrics come from `pnpm zoo:eval`, through the models package, on the exported folder.
 */
export interface TrainBatch {
  /** Mean loss of the batch, through the model's forward (differentiable: its weights are the run's variables). */
  loss(model: TrainedModel): tf.Scalar;
  /** Real (unpadded) tokens, for the throughput figure. */
  readonly tokens: number;
}

export interface DevResult {
  /** Higher is better; picks the exported weights. */
  readonly score: number;
  readonly summary: string;
}

export interface Schedule {
  readonly steps: number;
  readonly warmupSteps: number;
  readonly peakLearningRate: number;
  /** Final learning rate as a fraction of the peak (cosine decay). */
  readonly finalFraction: number;
  readonly evalEvery: number;
  readonly checkpointEvery: number;
  readonly weightDecay: number;
  /** Parameter name → multiplier of the learning rate (absent: 1 for every parameter). */
  readonly learningRateScale?: Readonly<Record<string, number>>;
  /**
   * Changes of the planned total that the run makes by itself on reaching `atStep` (in step order), as `--steps`
   * does by hand: a way to replay, step for step, the learning-rate curve of a run whose total was changed while
   * it trained. Recorded in the checkpoint and training.json like a change by hand.
   */
  readonly changes?: readonly { readonly atStep: number; readonly to: number }[];
}

export interface TrainingTask {
  readonly name: string;
  readonly config: ModelConfig;
  readonly tokenizer: Record<string, unknown>;
  readonly seed: number;
  readonly schedule: Schedule;
  batch(step: number): TrainBatch;
  /** Dev metrics of the current weights, through the same model (its batched forward or generate). */
  evaluateDev(model: TrainedModel): Promise<DevResult> | DevResult;
  /**
   * Changes the random initial weights of a fresh run in place (pretrained rows, say); not called on resume,
   * where the checkpoint has the weights.
   */
  initialWeights?(host: HostTensors): Promise<void>;
  /**
   * Which weights the run exports: the best dev score (the default), or the last step's, for a run whose recipe
   * was chosen before it started (its dev scores are then only watched, never chosen by).
   */
  readonly exportStep?: 'best' | 'last';
  /** The training record (training.json) of the model folder whose weights start the run, kept in this run's record. */
  readonly startedFrom?: Record<string, unknown>;
  /** What the run depends on besides the config (data version, sizes), for the checkpoint fingerprint. */
  readonly describe: Record<string, unknown>;
}

/** Linear warm-up, then cosine decay to finalFraction · peak. */
export function learningRate(s: Schedule, step: number): number {
  if (step < s.warmupSteps) return (s.peakLearningRate * (step + 1)) / s.warmupSteps;
  const progress = Math.min(1, (step - s.warmupSteps) / Math.max(1, s.steps - s.warmupSteps));
  const cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
  return s.peakLearningRate * (s.finalFraction + (1 - s.finalFraction) * cosine);
}
