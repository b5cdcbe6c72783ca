import { isAttnkitError } from '@attnkit/core';
import { attentionFlops, type BenchCase, scoreBytes } from './grid.js';
import { makeInputs } from './inputs.js';
import { DEFAULT_QUIET, waitUntilQuiet } from './quiet.js';
import { gflopsPerSecond, summarize } from './stats.js';
import { messageOf, type PreparedCell, type Target } from './targets/target.js';

export interface CellPolicy {
  /** Timed runs after the warm-up, at most. */
  readonly runs: number;
  /** Time budget of one cell (first call, warm-up and runs), seconds. */
  readonly maxSecondsPerCell: number;
  /** Memory guard for targets that materialize scores, bytes. */
  readonly maxMemoryBytes: number;
  /**
   * A pause before each cell, ms (default 0: no pause and no waiting for quiet). When set, the cell also waits
   * (see quiet.ts) until the process's own threads are idle, before the cell, after its first call and before
   * each timed call (with an untimed call of the same target between the wait and a short timed call):
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

/** Calls shorter than this get an untimed call just before each timed one when the bench waits for quiet. */
export const REWARM_BELOW_MS = 1000;

/** A target's cell between its first call and its release: what the rounds of timed calls add to. */
interface OpenCell {
  readonly base: Pick<CellResult, 'target' | 'caseId'>;
  readonly cell: PreparedCell;
  readonly firstCallMs: number;
  readonly trackedPeakBytes: number | null;
  readonly history: RateHistory;
  readonly samples: number[];
  rssPeakBytes: number;
  /** Time of the warm-up and the timed calls so far, against the cell's budget (waits for quiet excluded). */
  spentMs: number;
  lastMs: number;
  quiet: boolean;
}

type Settle = (minMs: number) => Promise<boolean>;

const errorResult = (base: OpenCell['base'], error: unknown): CellResult => {
  if (isAttnkitError(error) && (error.code === 'UNSUPPORTED' || error.code === 'DEVICE_LIMIT')) {
    return { ...base, status: 'unsupported', reason: `${error.code}: ${error.message}` };
  }
  return { ...base, status: 'error', reason: messageOf(error).split('\n')[0].slice(0, 300) };
};

async function timedRun(cell: PreparedCell): Promise<number> {
  const t0 = performance.now();
  await cell.run();
  return performance.now() - t0;
}

/**
 * A target's cell up to its timed calls: the guard, the first call (timed apart: compile), then one untimed
 * warm-up that also reads the target's memory accounting (when the first call suggests it fits). Returns the
 * finished result instead when the cell ends there (guarded, skipped, unsupported, failed).
 */
async function openCell(
  target: Target,
  c: BenchCase,
  policy: CellPolicy,
  history: RateHistory,
  settle: Settle,
): Promise<OpenCell | CellResult> {
  const base = { target: target.name, caseId: c.id };
  const guarded = guardCell(target, c, policy, history);
  if (guarded) return { ...base, ...guarded };
  let quiet = await settle(policy.quietMs ?? 0);
  const budgetMs = policy.maxSecondsPerCell * 1000;
  let cell: PreparedCell | null = null;
  try {
    cell = await target.prepare(c, makeInputs(c));
    const firstCallMs = await timedRun(cell);
    const rssPeakBytes = rss();
    if (firstCallMs > FIRST_CALL_ALLOWANCE * budgetMs) {
      history.record(attentionFlops(c), firstCallMs);
      cell.dispose();
      return {
        ...base,
        status: 'skipped',
        reason: `first call took ${(firstCallMs / 1000).toFixed(1)} s > ${FIRST_CALL_ALLOWANCE * policy.maxSecondsPerCell} s (${FIRST_CALL_ALLOWANCE}× the cell budget)`,
        firstCallMs,
        rssPeakBytes,
      };
    }
    // Compiling is not the steady state: the budget for the warm-up and the runs starts after it, and after
    // the background compilation it set off.
    quiet = (await settle(0)) && quiet;
    const warmStart = performance.now();
    const trackedPeakBytes = firstCallMs <= budgetMs ? await cell.measureMemory() : null;
    const warmUpMs = performance.now() - warmStart;
    const open: OpenCell = {
      base,
      cell,
      firstCallMs,
      trackedPeakBytes,
      history,
      samples: [],
      rssPeakBytes: Math.max(rssPeakBytes, rss()),
      spentMs: warmUpMs,
      // The warm-up is a call without compiling: the better guess of the next call's time, where it ran.
      lastMs: trackedPeakBytes === null ? firstCallMs : warmUpMs,
      quiet,
    };
    return open;
  } catch (error) {
    cell?.dispose();
    return errorResult(base, error);
  }
}

/** Whether the cell takes another timed call: always a first one, then while the budget lasts. */
const wantsRun = (open: OpenCell, policy: CellPolicy) =>
  open.samples.length < policy.runs &&
  (open.samples.length === 0 || open.spentMs + open.lastMs <= policy.maxSecondsPerCell * 1000);

function closeCell(open: OpenCell, c: BenchCase): CellResult {
  open.cell.dispose();
  const summary = summarize(open.samples);
  open.history.record(attentionFlops(c), summary.medianMs);
  return {
    ...open.base,
    status: 'ok',
    firstCallMs: open.firstCallMs,
    samplesMs: open.samples,
    ...summary,
    gflops: gflopsPerSecond(attentionFlops(c), summary.medianMs),
    trackedPeakBytes: open.trackedPeakBytes,
    rssPeakBytes: open.rssPeakBytes,
    ...(open.quiet ? {} : { notQuiet: true as const }),
  };
}

/**
 * One case on every target. Each target's cell is opened in turn (guard, first call, warm-up); then the timed
 * calls run in rounds, one call of every open cell per round, so that a slow spell of a shared host falls on
 * every target of the case alike instead of on whichever ran during it. When `quietMs` is set, each timed call
 * waits for the process to fall quiet and, under REWARM_BELOW_MS, follows an untimed call of its own target. Each cell stops when its runs or its budget are spent, keeping at least one
 * timed call; a call that fails ends that cell only. Results come in the order of `targets`.
 */
export async function measureCase(
  targets: readonly Target[],
  c: BenchCase,
  policy: CellPolicy,
  historyOf: (target: Target) => RateHistory,
): Promise<CellResult[]> {
  const settle: Settle = async (minMs) =>
    policy.quietMs ? (await waitUntilQuiet({ ...DEFAULT_QUIET, minMs })).quiet : true;
  const slots: (OpenCell | CellResult)[] = [];
  try {
    for (const target of targets) slots.push(await openCell(target, c, policy, historyOf(target), settle));
    for (let round = 0; round < policy.runs; round++) {
      for (let i = 0; i < slots.length; i++) {
        const open = slots[i];
        if (!('cell' in open) || !wantsRun(open, policy)) continue;
        open.quiet = (await settle(0)) && open.quiet;
        try {
          // After a wait for quiet the target starts cold (its threads asleep, caches and branch history taken
          // by the others): one untimed call first, so the timed one sees the state of calls in a loop.
          if (policy.quietMs && open.lastMs < REWARM_BELOW_MS) open.spentMs += await timedRun(open.cell);
          open.lastMs = await timedRun(open.cell);
        } catch (error) {
          open.cell.dispose();
          slots[i] = errorResult(open.base, error);
          continue;
        }
        open.samples.push(open.lastMs);
        open.spentMs += open.lastMs;
        open.rssPeakBytes = Math.max(open.rssPeakBytes, rss());
      }
    }
  } catch (error) {
    // Only a failure of the bench itself lands here: release what is open before passing it on.
    for (const slot of slots) if ('cell' in slot) slot.cell.dispose();
    throw error;
  }
  return slots.map((slot) => ('cell' in slot ? closeCell(slot, c) : slot));
}

/** One target's cell: `measureCase` with one target. */
export async function measureCell(
  target: Target,
  c: BenchCase,
  policy: CellPolicy,
  history: RateHistory,
): Promise<CellResult> {
  const [result] = await measureCase([target], c, policy, () => history);
  return result;
}

export function formatGiB(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}
