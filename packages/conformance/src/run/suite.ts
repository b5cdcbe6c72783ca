import type { Backend, Precision } from '@attnkit/core';
import { listCases } from '../cases/index.js';
import type { Tier } from '../spec.js';
import type { CaseResult, ConformanceCase, SuiteReport } from '../types.js';
import { runCase } from './case.js';
import { RunContext } from './context.js';

export interface RunSuiteOptions {
  tier?: Tier;
  precision?: Precision;
  filter?: (c: ConformanceCase) => boolean;
  onResult?: (r: CaseResult, done: number, total: number) => void;
}

/** Runs every case of a tier (default 'fast', float32) on a backend, one after the other. */
export async function runSuite(backend: Backend, options: RunSuiteOptions = {}): Promise<SuiteReport> {
  const tier = options.tier ?? 'fast';
  const precision = options.precision ?? 'float32';
  const cases = listCases(tier, { precision }).filter(options.filter ?? (() => true));
  const context = new RunContext();
  const results: CaseResult[] = [];
  try {
    for (const c of cases) {
      const r = await runCase(backend, c, context);
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
