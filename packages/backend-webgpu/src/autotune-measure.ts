import { AttnkitError, type BackendCapabilities, type MaskKind, planAttention } from '@attnkit/core';
import type { Gpu } from './gpu.js';
import { runAttention } from './kernels/attention.js';
import type { AttentionTuning } from './kernels/attention-stream.js';
import { WebGpuTensor } from './tensor.js';
import { type AdapterClass, type AttentionShape, Tuner } from './tuner.js';

/**
 * Timing attention variants of one shape, on a scratch Gpu of the tuner's own on the backend's device: its own
 * buffer pool (emptied after each shape, so the backend's pool neither grows nor lends a buffer to tuning), its
 * own bounded pipeline cache (cleared after each shape: the losers' pipelines do not stay) and its own error
 * scopes (a candidate that fails to compile fails only itself). Inputs are zero-filled and a mask hides nothing:
 * the kernels' work does not depend on the values, only on the mask's kind and on causality and window. A run is
 * queued work plus `onSubmittedWorkDone`, timed by `timer`; each candidate gets one warm-up run (it compiles
 * there), then up to `runs` timed ones in rounds over all candidates (the first round always, later ones within
 * `budgetMs`), median kept.
 */

/** Milliseconds one run took; `run` queues the work and resolves when the GPU has finished it. */
export type Timer = (tuning: AttentionTuning, run: () => Promise<void>) => Promise<number>;

export interface Measurement {
  readonly tuning: AttentionTuning;
  /** Median of the timed runs; null when it failed or was not timed. */
  readonly medianMs: number | null;
  readonly runs: number;
  /** Why it has no time: the error of a candidate that failed, or 'time budget'. */
  readonly failed?: string;
}

export interface MeasureOptions {
  readonly runs: number;
  readonly budgetMs: number;
  readonly timer: Timer;
  /** Waits until the device is idle and the user's calls had their turn; throws to stop (dispose). */
  readonly idle: () => Promise<void>;
}

/** Scratch pipelines held at once: a shape's candidates, bounded by MAX_CANDIDATES, fit several times. */
const SCRATCH_PIPELINES = 32;

const clock = (globalThis as unknown as { performance?: { now(): number } }).performance ?? Date;

export const wallTimer: Timer = async (_tuning, run) => {
  const start = clock.now();
  await run();
  return clock.now() - start;
};

export class Bench {
  private scratch: Gpu | null = null;

  constructor(
    /** The backend's Gpu: the scratch one is its sibling, so a loss or a watchdog timeout is the backend's. */
    private readonly backendGpu: Gpu,
    private readonly adapterClass: AdapterClass,
    private readonly capabilities: BackendCapabilities,
  ) {}

  async measure(
    shape: AttentionShape,
    candidates: readonly AttentionTuning[],
    o: MeasureOptions,
  ): Promise<Measurement[]> {
    this.scratch ??= this.backendGpu.sibling(Number.POSITIVE_INFINITY, SCRATCH_PIPELINES);
    const gpu = this.scratch;
    const tensor = (dims: number[], dtype: 'float32' | 'bool' = 'float32') => {
      const size = dims.reduce((a, b) => a * b, 1);
      return new WebGpuTensor(this, dims, dtype, gpu.pool.acquire(size * 4), size);
    };
    const { limits, features } = gpu.device;
    const subgroups = features.has('subgroups');
    try {
      const { B, Hq, Sq, T, D, Dv } = shape;
      const inputs = {
        q: tensor([B, Hq, Sq, D]),
        k: tensor([B, Hq, T, D]),
        v: tensor([B, Hq, T, Dv]),
        ...(shape.mask && { mask: this.mask(gpu, tensor([1, 1, Sq, T], kindDtype(shape.mask.kind))) }),
      };
      const options = { isCausal: shape.isCausal === true, ...(shape.window && { window: shape.window }) };
      const plan = planAttention(inputs, options, this.capabilities);
      const started = clock.now();
      const overBudget = () => clock.now() - started > o.budgetMs;
      const states = candidates.map((tuning) => ({ tuning, times: [] as number[], failed: null as string | null }));
      const attempt = async (state: (typeof states)[number], work: () => Promise<void>) => {
        try {
          await work();
          await gpu.flushErrors();
        } catch (error) {
          if (isStop(error)) throw error;
          // A launch refused before its shader's check came back leaves the check pending: it is this candidate's.
          await gpu.flushErrors().catch(() => {});
          state.failed = error instanceof Error ? error.message : String(error);
        }
      };
      const release = (t: WebGpuTensor) => gpu.pool.release(t.buffer);
      const runs = states.map((state) => {
        let tuner: Tuner | null = null;
        return async () => {
          // Every parameter pinned: the kernel runs exactly this candidate (a pin the device refuses throws here).
          const pins = { attention: state.tuning };
          tuner ??= new Tuner(this.adapterClass, limits.maxComputeWorkgroupStorageSize, pins, subgroups);
          const { y } = runAttention({ gpu, tuner, alloc: tensor, release }, inputs, plan);
          release(y);
          await gpu.settle(gpu.device.queue.onSubmittedWorkDone(), 'tuning run');
        };
      });
      // Warm-up (compilation) of each candidate first, then the timed runs in rounds over all of them, so a
      // change in the machine's load falls on every candidate alike rather than on whichever ran then.
      for (const [i, state] of states.entries()) {
        if (i > 0 && overBudget()) state.failed = 'time budget';
        else {
          await o.idle();
          await attempt(state, runs[i]);
        }
      }
      for (let round = 0; round < o.runs && !(round > 0 && overBudget()); round++) {
        for (const [i, state] of states.entries()) {
          if (state.failed !== null) continue;
          await o.idle();
          await attempt(state, async () => {
            state.times.push(await o.timer(state.tuning, runs[i]));
          });
        }
      }
      return states.map(({ tuning, times, failed }) =>
        failed === null && times.length > 0
          ? { tuning, medianMs: median(times), runs: times.length }
          : { tuning, medianMs: null, runs: times.length, failed: failed ?? 'time budget' },
      );
    } finally {
      gpu.pool.destroy();
      gpu.pipelines.clear();
    }
  }

  /** A mask that hides nothing (true / 0 everywhere), so every candidate does the same work. */
  private mask(gpu: Gpu, t: WebGpuTensor): WebGpuTensor {
    gpu.write(t.buffer, t.dtype === 'bool' ? new Uint32Array(t.size).fill(1) : new Float32Array(t.size));
    return t;
  }

  dispose(): void {
    this.scratch?.destroy();
    this.scratch = null;
  }
}

/** Disposal or a lost device stops tuning; any other error belongs to the candidate. */
function isStop(error: unknown): boolean {
  return error instanceof AttnkitError && (error.code === 'DISPOSED' || error.code === 'DEVICE_LOST');
}

const kindDtype = (kind: MaskKind) => (kind === 'boolean' ? 'bool' : 'float32');

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
