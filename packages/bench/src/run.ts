import { type CaseComparison, compareAll } from './compare.js';
import { attentionFlops, type BenchCase, describeCase } from './grid.js';
import type { MachineInfo } from './machine.js';
import { type CellPolicy, type CellResult, measureCase, RateHistory } from './measure.js';
import {
  messageOf,
  type Target,
  type TargetFactory,
  type TargetFamily,
  type TargetRole,
  type UnavailableTarget,
} from './targets/target.js';

export const FLOPS_FORMULA =
  'GFLOP/s = 4·B·Hq·Sq·T·D / median time (two matmuls, q·kᵀ and p·v); halved when causal; softmax not counted';

export interface TargetSummary {
  readonly name: string;
  readonly label: string;
  readonly role: TargetRole;
  readonly family: TargetFamily;
  readonly runsOn: string;
  readonly threads?: number;
}

export interface CaseSummary extends BenchCase {
  readonly label: string;
  readonly flops: number;
}

export interface BenchReport {
  readonly schema: 'attnkit-bench-v1';
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly command: string;
  readonly policy: CellPolicy;
  readonly machine: MachineInfo;
  readonly flopsFormula: string;
  readonly targets: readonly TargetSummary[];
  readonly unavailable: readonly UnavailableTarget[];
  readonly cases: readonly CaseSummary[];
  readonly results: readonly CellResult[];
  readonly comparisons: readonly CaseComparison[];
  /** Highest RSS of the whole process (getrusage), bytes. */
  readonly maxRssBytes: number;
}

export type BenchEvent =
  | {
      readonly kind: 'targets';
      readonly available: readonly TargetSummary[];
      readonly unavailable: readonly UnavailableTarget[];
    }
  | { readonly kind: 'cell'; readonly done: number; readonly total: number; readonly result: CellResult }
  | { readonly kind: 'case'; readonly report: BenchReport };

export interface BenchRunOptions {
  readonly cases: readonly BenchCase[];
  readonly factories: readonly TargetFactory[];
  readonly policy: CellPolicy;
  readonly machine: MachineInfo;
  readonly command: string;
  readonly onEvent?: (event: BenchEvent) => void;
  /** Releases what targets share (the run's GPUDevice) after every target was disposed. */
  readonly afterAll?: () => Promise<void>;
}

/**
 * Creates every target (an unavailable one is kept with its reason), then runs the cases from the
 * smallest to the largest amount of work, every target on each case (its timed calls in rounds, see
 * `measureCase`), so that load on a shared machine falls on all targets alike and each target's estimate
 * for the next cell comes from smaller ones.
 */
export async function runBench(options: BenchRunOptions): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const targets: Target[] = [];
  const unavailable: UnavailableTarget[] = [];
  for (const factory of options.factories) {
    try {
      targets.push(await factory.create());
    } catch (error) {
      unavailable.push({ name: factory.name, role: factory.role, reason: messageOf(error).split('\n')[0] });
    }
  }
  const summaries = targets.map(({ name, label, role, family, runsOn, threads }) => ({
    name,
    label,
    role,
    family,
    runsOn,
    ...(threads !== undefined && { threads }),
  }));
  options.onEvent?.({ kind: 'targets', available: summaries, unavailable });

  const cases = options.cases.map((c) => ({ ...c, label: describeCase(c), flops: attentionFlops(c) }));
  const order = [...cases].sort((a, b) => a.flops - b.flops);
  // A decode step is bound by reading the cache, not by flops: its timings would mislead estimates of
  // full-sequence cells (and the reverse), so each target keeps one history per kind.
  const histories = new Map<string, RateHistory>();
  const historyOf = (target: Target, c: BenchCase) => {
    const key = `${target.name}:${c.P > 0 ? 'decode' : 'sequence'}`;
    if (!histories.has(key)) histories.set(key, new RateHistory());
    return histories.get(key)!;
  };
  const results: CellResult[] = [];
  const report = (finished: boolean): BenchReport => ({
    schema: 'attnkit-bench-v1',
    startedAt,
    finishedAt: finished ? new Date().toISOString() : null,
    command: options.command,
    policy: options.policy,
    machine: options.machine,
    flopsFormula: FLOPS_FORMULA,
    targets: summaries,
    unavailable,
    cases,
    results: [...results],
    comparisons: compareAll(
      cases.filter((c) => results.some((r) => r.caseId === c.id)).map((c) => c.id),
      results,
      summaries,
    ),
    maxRssBytes: maxRss(),
  });

  const total = order.length * targets.length;
  try {
    for (const c of order) {
      for (const result of await measureCase(targets, c, options.policy, (target) => historyOf(target, c))) {
        results.push(result);
        options.onEvent?.({ kind: 'cell', done: results.length, total, result });
      }
      options.onEvent?.({ kind: 'case', report: report(false) });
    }
  } finally {
    for (const target of targets) await target.dispose().catch(() => undefined);
    await options.afterAll?.();
  }
  return report(true);
}

/** getrusage's high-water RSS in Node; 0 in a browser. */
function maxRss(): number {
  return typeof process !== 'undefined' && process.resourceUsage ? process.resourceUsage().maxRSS * 1024 : 0;
}
