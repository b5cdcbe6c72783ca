import { runSuite, type SuiteReport } from '@attnkit/conformance';
import type { RunsOn } from '@attnkit/core';
import { createBackend } from '../../src/index.js';

export interface BrowserReport {
  readonly runsOn: RunsOn;
  /** The conformance suite, float32 and float16 (float16 cases are 'unsupported' without shader-f16). */
  readonly suites: SuiteReport[];
  /** The conformance suite's fast tier again, with the shared-memory strategy pinned. */
  readonly shared: SuiteReport;
  readonly leaked: number;
  readonly ms: number;
}

/** Runs in headless Chromium on navigator.gpu: the whole conformance suite, then the other kernel strategy. */
export default async function run(): Promise<BrowserReport> {
  const started = performance.now();
  const backend = await createBackend();
  const suites: SuiteReport[] = [];
  for (const precision of ['float32', 'float16'] as const)
    suites.push(await runSuite(backend, { tier: 'full', precision }));
  let leaked = backend.kernels.memory().liveTensors;
  backend.dispose();

  const pinned = await createBackend({ tuning: { attention: { strategy: 'shared' }, matmul: { strategy: 'shared' } } });
  const shared = await runSuite(pinned, { tier: 'fast' });
  leaked += pinned.kernels.memory().liveTensors;
  pinned.dispose();
  return { runsOn: backend.runsOn, suites, shared, leaked, ms: performance.now() - started };
}
