import { isAttnkitError } from '@attnkit/core';
import { type BenchCase, attentionFlops, scoreBytes } from './grid.js';
import { makeInputs } from './inputs.js';
import { gflopsPerSecond, summarize } from './stats.js';
import { type Target, messageOf } from './targets/target.js';

export interface CellPolicy {
  /** Timed runs after the warm-up, at most. */
  readonly runs: number;
  /** Time budget of one cell (first call, warm-up and runs), seconds. */
  readonly maxSecondsPerCell: number;
  /** Memory guard for targets that materialize scores, bytes. */
  readonly maxMemoryBytes: number;
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
}

/** What a target has shown so far: (flops, ms) of measured cells, to estimate the next one. */
export class RateHistory {
  private readonly points: { flops: number; ms: number }[] = [];

  record(flops: number, ms: number): void {
    this.points.push({ flops, ms });
  }

  /**
   * Estimated ms of a call with `flops`, scaled linearly from the largest measured cell not above it (the
   * smallest one otherwise); null before anything was measured. Fixed overheads make this pessimistic.
   */
  estimate(flops: number): number | null {
    if (this.points.length === 0) return null;
    const below = this.points.filter((p) => p.flops <= flops);
    const base = below.length ? below.reduce((a, b) => (b.flops > a.flops ? b : a)) : this.points.reduce((a, b) => (b.flops < a.flops ? b : a));
    return base.ms * (flops / base.flops);
  }
}

const rss = () => process.memoryUsage.rss();

export function guardCell(target: Target, c: BenchCase, policy: CellPolicy, history: RateHistory): Pick<CellResult, 'status' | 'reason'> | null {
  const unsupported = target.unsupported(c);
  if (unsupported) return { status: 'unsupported', reason: unsupported };
  const bytes = target.scoreCopies * scoreBytes(c);
  if (bytes > policy.maxMemoryBytes) {
    return { status: 'skipped', reason: `estimated memory ${formatGiB(bytes)} > ${formatGiB(policy.maxMemoryBytes)}` };
  }
  const estimate = history.estimate(attentionFlops(c));
  if (estimate !== null && estimate > policy.maxSecondsPerCell * 1000) {
    return { status: 'skipped', reason: `estimated ${(estimate / 1000).toFixed(1)} s > ${policy.maxSecondsPerCell} s per cell` };
  }
  return null;
}

/**
 * One cell: first call (timed apart: compile), one untimed warm-up that also reads the target's memory
 * accounting, then up to `runs` timed calls while the cell's time budget lasts (at least one).
 */
export async function measureCell(target: Target, c: BenchCase, policy: CellPolicy, history: RateHistory): Promise<CellResult> {
  const base = { target: target.name, caseId: c.id };
  const guarded = guardCell(target, c, policy, history);
  if (guarded) return { ...base, ...guarded };
  const budgetMs = policy.maxSecondsPerCell * 1000;
  const flops = attentionFlops(c);
  let cell: Awaited<ReturnType<Target['prepare']>> | null = null;
  let rssPeakBytes = rss();
  try {
    cell = await target.prepare(c, makeInputs(c));
    const started = performance.now();
    const timed = async () => {
      const t0 = performance.now();
      await cell!.run();
      const ms = performance.now() - t0;
      rssPeakBytes = Math.max(rssPeakBytes, rss());
      return ms;
    };
    const firstCallMs = await timed();
    if (firstCallMs > budgetMs) {
      history.record(flops, firstCallMs);
      return { ...base, status: 'skipped', reason: `first call took ${(firstCallMs / 1000).toFixed(1)} s > ${policy.maxSecondsPerCell} s per cell`, firstCallMs, rssPeakBytes };
    }
    let trackedPeakBytes: number | null = null;
    if (performance.now() - started + firstCallMs <= budgetMs) {
      trackedPeakBytes = await cell.measureMemory();
      rssPeakBytes = Math.max(rssPeakBytes, rss());
    }
    const samples: number[] = [];
    while (samples.length < policy.runs) {
      const last = samples.length ? samples[samples.length - 1] : firstCallMs;
      if (samples.length > 0 && performance.now() - started + last > budgetMs) break;
      samples.push(await timed());
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
