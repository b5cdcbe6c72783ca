import type { SuiteReport } from '@attnkit/conformance';
import { runSuite } from '@attnkit/conformance';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { createBackend } from '../../src/index.js';
import { BROWSER_RUNS } from './runs.js';

/**
 * Runs in headless Chromium (through @attnkit/browser-runner): the conformance runs of runs.ts, one after
 * the other. Returns counts, the failures in full, and what each backend runs on; a backend that cannot be
 * created is reported as such, never skipped silently.
 */
export interface BrowserRun {
  readonly tfjsBackend: string;
  readonly path: (typeof BROWSER_RUNS)[number]['path'];
  readonly created: boolean;
  readonly reason?: string;
  readonly runsOn?: SuiteReport['runsOn'];
  readonly counts?: SuiteReport['counts'];
  readonly problems?: SuiteReport['results'];
  readonly leakedTensors?: number;
  readonly ms: number;
}

export default async function run(): Promise<BrowserRun[]> {
  setWasmPaths('/wasm/');
  const runs: BrowserRun[] = [];
  for (const { tfjsBackend, path, tier } of BROWSER_RUNS) {
    const t0 = performance.now();
    let backend: Awaited<ReturnType<typeof createBackend>>;
    try {
      backend = await createBackend({ tfjsBackend, path });
    } catch (error) {
      runs.push({ tfjsBackend, path, created: false, reason: String(error), ms: performance.now() - t0 });
      continue;
    }
    const before = tf.memory().numTensors;
    const report = await runSuite(backend, { tier });
    const leakedTensors = tf.memory().numTensors - before;
    runs.push({
      tfjsBackend,
      path,
      created: true,
      runsOn: report.runsOn,
      counts: report.counts,
      problems: report.results.filter((r) => r.status === 'fail' || r.status === 'error'),
      leakedTensors,
      ms: performance.now() - t0,
    });
    backend.dispose();
  }
  return runs;
}
