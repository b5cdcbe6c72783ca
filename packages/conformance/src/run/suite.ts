import type { Backend, Precision } from '@attnkit/core';
import { listCases } from '../cases/index.js';
import type { Tier } from '../spec.js';
import type { CaseResult, ConformanceCase, SuiteReport } from '../types.js';
import { runCase, TIME_LIMIT_PREFIX } from './case.js';
import { RunContext } from './context.js';

export interface RunSuiteOptions {
  tier?: Tier;
  precision?: Precision;
  filter?: (c: ConformanceCase) => boolean;
  onResult?: (r: CaseResult, done: number, total: number) => void;
  /** Per-case time limit, ms (default DEFAULT_CASE_TIME_LIMIT_MS). */
  timeLimitMs?: number;
}

/**
 * Runs every case of a tier (default 'fast', float32) on a backend, one after the other. After a case reaches
 * its time limit the backend is taken as hung: the remaining cases are not run and each is reported as an
 * 'error' naming the case that hung, so a run ends in bounded time.
 */
export async function runSuite(backend: Backend, options: RunSuiteOptions = {}): Promise<SuiteReport> {
  const tier = options.tier ?? 'fast';
  const precision = options.precision ?? 'float32';
  const cases = listCases(tier, { precision }).filter(options.filter ?? (() => true));
  const context = new RunContext();
  const results: CaseResult[] = [];
  try {
    let hung: string | null = null;
    for (const c of cases) {
      const r: CaseResult = hung
        ? { id: c.id, feature: c.feature, status: 'error', worstAbsError: 0, worstRelError: 0, ms: 0, message: hung }
        : await runCase(backend, c, context, { timeLimitMs: options.timeLimitMs });
      if (!hung && r.status === 'error' && r.message?.startsWith(TIME_LIMIT_PREFIX)) {
        hung = `not run: the backend hung on ${c.id} (${r.message})`;
      }
      results.push(r);
      options.onResult?.(r, results.length, cases.length);
    }
  } finally {
    context.dispose();
  }
  return { backend: backend.name, runsOn: backend.runsOn, tier, precision, results, counts: countResults(results) };
}

export function countResults(results: readonly CaseResult[]): SuiteReport['counts'] {
  const counts = { pass: 0, fail: 0, unsupported: 0, error: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}
