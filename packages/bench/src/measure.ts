import { isAttnkitError } from '@attnkit/core';
import { attentionFlops, type BenchCase, scoreBytes } from './grid.js';
import { makeInputs } from './inputs.js';
import { DEFAULT_QUIET, waitUntilQuiet } from './quiet.js';
import { gflopsPerSecond, summarize } from './stats.js';
import { messageOf, type Target } from './targets/target.js';

export interface CellPolicy {
  /** Timed runs after the warm-up, at most. */
  readonly runs: number;
  /** Time budget of one cell (first call, warm-up and runs), seconds. */
  readonly maxSecondsPerCell: number;
  /** Memory guard for targets that materialize scores, bytes. */
  readonly maxMemoryBytes: number;
  /**
   * A pause before each cell, ms (default 0: no pause and no waiting for quiet). When set, the cell also waits
   * (see quiet.ts) until the process's own threads are idle, before the cell and again after its first call:
   * onnxruntime's intra-op threads spin after a call, and V8 compiles a freshly used WebAssembly module in
   * background threads for up to seconds, which the timed calls would otherwise compete with.
   */
  readonly quietMs?: number;
}

export type CellStatus = 'ok' | 'skipped' | 'unsupported' | 'error';

export interface CellResult {
  readonly target: string;
  readonly caseId: string;
  readonly status: CellStatus;
  readonly reason?: string;
  /** First call: pipelines/shaders/sessions compiled, memory grown. Includes reading y back. */
  readonly firstCallMs?: number;
  readonly samplesMs?: readonly number[];
  readonly medianMs?: number;
  readonly minMs?: number;
  readonly maxMs?: number;
  readonly runs?: number;
  readonly gflops?: number;
  /** The target's own accounting at its peak during one call (buffer pool, tfjs profile, live tensors). */
  readonly trackedPeakBytes?: number | null;
  /** Highest process RSS sampled after each call of the cell. */
  readonly rssPeakBytes?: number;
  /** Set when the process did not fall quiet within the wait's limit: the samples ran beside other work. */
  readonly notQuiet?: true;
}

/**
 * What a target has shown so far: (flops, ms) of measured cells, and the estimates of cells it skipped (so
 * that a sweep keeps extrapolating from its last step), to estimate the next cell.
 */
export class RateHistory {
  /** Extrapolate over at most this factor in flops: further, fixed costs dominate the base and mislead. */
  static readonly MAX_STEP = 8;
  private readonly points: { flops: number; ms: number }[] = [];

  record(flops: number, ms: number): void {
    this.points.push({ flops, ms });
  }

  /**
   * Estimated ms of a call with `flops`, scaled linearly from the largest point not above it; null (run it
   * and see) when there is none within MAX_STEP. Fixed overheads make the scaling pessimistic.
   */
  estimate(flops: number): number | null {
    const below = this.points.filter((p) => p.flops <= flops);
    if (below.length === 0) return null;
    const base = below.reduce((a, b) => (b.flops > a.flops ? b : a));
    if (base.flops * RateHistory.MAX_STEP < flops) return null;
    return base.ms * (flops / base.flops);
  }
}

/** The first call (shader and pipeline compilation) may take this many cell budgets before the cell is skipped. */
export const FIRST_CALL_ALLOWANCE = 3;

/** Process RSS in Node; 0 where there is no process (a browser). */
const rss = (): number => (typeof process !== 'undefined' && process.memoryUsage ? process.memoryUsage.rss() : 0);

export function guardCell(
  target: Target,
  c: BenchCase,
  policy: CellPolicy,
  history: RateHistory,
): Pick<CellResult, 'status' | 'reason'> | null {
  const unsupported = c.headMask && !target.headMask ? 'no head mask (an attnkit extension)' : target.unsupported(c);
  if (unsupported) return { status: 'unsupported', reason: unsupported };
  if (c.heavy && !target.runsHeavyCases) {
    return {
      status: 'skipped',
      reason: `heavy case (${(attentionFlops(c) / 1e9).toFixed(0)} GFLOP): timed only on targets that finish it in seconds`,
    };
  }
  const bytes = target.scoreCopies * scoreBytes(c);
  if (bytes > policy.maxMemoryBytes) {
    return { status: 'skipped', reason: `estimated memory ${formatGiB(bytes)} > ${formatGiB(policy.maxMemoryBytes)}` };
  }
  const estimate = history.estimate(attentionFlops(c));
  if (estimate !== null && estimate > policy.maxSecondsPerCell * 1000) {
    history.record(attentionFlops(c), estimate);
    return {
      status: 'skipped',
      reason: `estimated ${(estimate / 1000).toFixed(1)} s > ${policy.maxSecondsPerCell} s per cell`,
    };
  }
  return null;
}

/**
 * One cell: first call (timed apart: compile), one untimed warm-up that also reads the target's memory
 * accounting (when the first call suggests it fits), then up to `runs` timed calls while the cell's time
 * budget lasts (at least one).
 */
export async function measureCell(
  target: Target,
  c: BenchCase,
  policy: CellPolicy,
  history: RateHistory,
): Promise<CellResult> {
  const base = { target: target.name, caseId: c.id };
  const guarded = guardCell(target, c, policy, history);
  if (guarded) return { ...base, ...guarded };
  let quiet = true;
  const settle = async (minMs: number) => {
    if (policy.quietMs) quiet = (await waitUntilQuiet({ ...DEFAULT_QUIET, minMs })).quiet && quiet;
  };
  await settle(policy.quietMs ?? 0);
  const budgetMs = policy.maxSecondsPerCell * 1000;
  const flops = attentionFlops(c);
  let cell: Awaited<ReturnType<Target['prepare']>> | null = null;
  let rssPeakBytes = rss();
  try {
    cell = await target.prepare(c, makeInputs(c));
    const timed = async () => {
      const t0 = performance.now();
      await cell!.run();
      const ms = performance.now() - t0;
      rssPeakBytes = Math.max(rssPeakBytes, rss());
      return ms;
    };
    const firstCallMs = await timed();
    if (firstCallMs > FIRST_CALL_ALLOWANCE * budgetMs) {
      history.record(flops, firstCallMs);
      const limit = FIRST_CALL_ALLOWANCE * policy.maxSecondsPerCell;
      return {
        ...base,
        status: 'skipped',
        reason: `first call took ${(firstCallMs / 1000).toFixed(1)} s > ${limit} s (${FIRST_CALL_ALLOWANCE}× the cell budget)`,
        firstCallMs,
        rssPeakBytes,
      };
    }
    // Compiling is not the steady state: the budget for the warm-up and the runs starts after it, and after
    // the background compilation it set off.
    await settle(0);
    const started = performance.now();
    let trackedPeakBytes: number | null = null;
    const samples: number[] = [];
    let last = firstCallMs;
    if (last <= budgetMs) {
      trackedPeakBytes = await cell.measureMemory();
      rssPeakBytes = Math.max(rssPeakBytes, rss());
    }
    while (samples.length < policy.runs) {
      if (samples.length > 0 && performance.now() - started + last > budgetMs) break;
      last = await timed();
      samples.push(last);
    }
    const summary = summarize(samples);
    history.record(flops, summary.medianMs);
    return {
      ...base,
      status: 'ok',
      firstCallMs,
      samplesMs: samples,
      ...summary,
      gflops: gflopsPerSecond(flops, summary.medianMs),
      trackedPeakBytes,
      rssPeakBytes,
      ...(quiet ? {} : { notQuiet: true as const }),
    };
  } catch (error) {
    if (isAttnkitError(error) && (error.code === 'UNSUPPORTED' || error.code === 'DEVICE_LIMIT')) {
      return { ...base, status: 'unsupported', reason: `${error.code}: ${error.message}` };
    }
    return { ...base, status: 'error', reason: messageOf(error).split('\n')[0].slice(0, 300) };
  } finally {
    cell?.dispose();
  }
}

export function formatGiB(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}
