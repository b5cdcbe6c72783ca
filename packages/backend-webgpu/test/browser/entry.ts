import type { RunsOn } from '@attnkit/core';
import { createBackend } from '../../src/index.js';
import { type CaseOutcome, runReferenceCases } from '../reference-cases.js';

export interface BrowserReport {
  readonly runsOn: RunsOn;
  readonly strategies: Record<string, CaseOutcome[]>;
  readonly leaked: number;
  readonly ms: number;
}

/** Runs in headless Chromium: the reference comparison with each attention strategy on navigator.gpu. */
export default async function run(): Promise<BrowserReport> {
  const started = performance.now();
  const strategies: Record<string, CaseOutcome[]> = {};
  let leaked = 0;
  let runsOn: RunsOn | undefined;
  for (const strategy of ['auto', 'shared'] as const) {
    const backend = await createBackend(strategy === 'auto' ? {} : { tuning: { attention: { strategy }, matmul: { strategy } } });
    runsOn = backend.runsOn;
    strategies[strategy] = await runReferenceCases(backend);
    leaked += backend.kernels.memory().liveTensors;
    backend.dispose();
  }
  return { runsOn: runsOn!, strategies, leaked, ms: performance.now() - started };
}
