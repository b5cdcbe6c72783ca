import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '@attnkit/models';
import type { HostTensors } from './parameters.js';

/**
 * A training run's state on disk, so that a stopped run continues exactly where it was:
 *   checkpoint.safetensors  param/<name>, m/<name>, v/<name> (weights and AdamW moments)
 *   checkpoint.json         step, wall time so far, best dev score, history, the run's fingerprint
 *   best.safetensors        the weights with the best dev score so far (what gets exported)
 * Files are written to a temporary name and renamed, so a kill mid-write leaves the previous checkpoint.
 */
export interface EvalRecord {
  readonly step: number;
  readonly score: number;
  readonly summary: string;
  readonly trainLoss: number;
  readonly elapsedSeconds: number;
}

export interface RunState {
  readonly fingerprint: string;
  readonly step: number;
  readonly elapsedSeconds: number;
  readonly tokensSeen: number;
  readonly best: { readonly step: number; readonly score: number } | null;
  readonly history: readonly EvalRecord[];
  /** Total steps now planned, when `--steps` changed the task's schedule (absent: the task's own). */
  readonly plannedSteps?: number;
  /** Each change of the planned total, at the step it was made. */
  readonly scheduleChanges?: readonly { readonly atStep: number; readonly from: number; readonly to: number }[];
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

export async function saveCheckpoint(dir: string, state: RunState, tensors: HostTensors): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, 'checkpoint.safetensors'), writeSafetensors(tensors));
  await writeAtomic(join(dir, 'checkpoint.json'), `${JSON.stringify(state, null, 2)}\n`);
}

export async function saveBest(dir: string, params: HostTensors): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, 'best.safetensors'), writeSafetensors(params));
}

export async function loadHost(path: string): Promise<HostTensors> {
  const file = readSafetensors(await readFile(path), path);
  const out: HostTensors = {};
  for (const [name, t] of file.tensors) out[name] = { shape: [...t.shape], data: t.data as Float32Array };
  return out;
}

/** The saved run, or null when there is none or it belongs to another configuration. */
export async function loadCheckpoint(
  dir: string,
  fingerprint: string,
): Promise<{ state: RunState; tensors: HostTensors } | null> {
  let state: RunState;
  try {
    state = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8')) as RunState;
  } catch {
    return null;
  }
  if (state.fingerprint !== fingerprint) {
    throw new Error(
      `${dir} holds a checkpoint of another configuration (${state.fingerprint}); pass --fresh to start over`,
    );
  }
  return { state, tensors: await loadHost(join(dir, 'checkpoint.safetensors')) };
}
