import type { CaseResult, ConformanceCase, SuiteReport } from '@attnkit/conformance';
import type { Backend } from '@attnkit/core';

/**
 * The in-browser conformance check: @attnkit/conformance's fast tier, or a quick subset of it.
 *
 *   quick  the first case of every feature of the fast tier (28 cases): one pass over each column of the
 *          matrix, a few seconds per backend even on software GPUs
 *   fast   the whole fast tier (217 cases): 20–50 s per GPU backend on SwiftShader, mostly shader compiles
 *
 * The package is imported when a check starts, so a visitor who never runs one never downloads it.
 */
export type CheckScope = 'quick' | 'fast';

export function quickFilter(cases: readonly ConformanceCase[]): (c: ConformanceCase) => boolean {
  const firstOfFeature = new Set<string>();
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.feature)) continue;
    seen.add(c.feature);
    firstOfFeature.add(c.id);
  }
  return (c) => firstOfFeature.has(c.id);
}

export async function countCases(scope: CheckScope): Promise<number> {
  const { listCases } = await import('@attnkit/conformance');
  const cases = listCases('fast');
  return scope === 'fast' ? cases.length : cases.filter(quickFilter(cases)).length;
}

export async function runConformance(
  backend: Backend,
  scope: CheckScope,
  onResult: (r: CaseResult, done: number, total: number) => void,
): Promise<SuiteReport> {
  const { listCases, runSuite } = await import('@attnkit/conformance');
  const filter = scope === 'quick' ? quickFilter(listCases('fast')) : undefined;
  return runSuite(backend, { tier: 'fast', ...(filter && { filter }), onResult });
}

/** Features in suite order, each with its results per backend. */
export function byFeature(reports: readonly SuiteReport[]): { feature: string; cells: Map<string, CaseResult[]> }[] {
  const rows: { feature: string; cells: Map<string, CaseResult[]> }[] = [];
  for (const report of reports) {
    for (const result of report.results) {
      let row = rows.find((r) => r.feature === result.feature);
      if (!row) rows.push((row = { feature: result.feature, cells: new Map() }));
      const cell = row.cells.get(report.backend) ?? [];
      cell.push(result);
      row.cells.set(report.backend, cell);
    }
  }
  return rows;
}
