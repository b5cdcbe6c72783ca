import { type CaseResult, runSuite } from '@attnkit/conformance';
import { AttnkitError, type RunsOn } from '@attnkit/core';
import { createBackend } from '../../src/index.js';

export interface BrowserSuiteReport {
  readonly crossOriginIsolated: boolean;
  readonly cores: number;
  readonly runsOn: RunsOn;
  readonly counts: { pass: number; fail: number; unsupported: number; error: number };
  readonly total: number;
  /** The results that are not a pass, with their messages. */
  readonly problems: CaseResult[];
  readonly liveTensors: number;
  /** What asking for 2 threads gives where the page has no shared memory (null in an isolated page). */
  readonly twoThreadsWithoutSharedMemory: { code: string; message: string } | null;
  readonly ms: number;
}

/**
 * Runs in Chromium: the whole conformance suite (full tier, float32) on the backend's defaults, which settle
 * on the page's threads and on relaxed SIMD where Chromium validates it, and what the backend says it runs on.
 */
export default async function run(): Promise<BrowserSuiteReport> {
  const started = performance.now();
  const backend = await createBackend();
  try {
    const report = await runSuite(backend, { tier: 'full' });
    return {
      crossOriginIsolated,
      cores: navigator.hardwareConcurrency,
      runsOn: backend.runsOn,
      counts: report.counts,
      total: report.results.length,
      problems: report.results.filter((r) => r.status !== 'pass'),
      liveTensors: backend.kernels.memory().liveTensors,
      twoThreadsWithoutSharedMemory: crossOriginIsolated ? null : await refusalOfTwoThreads(),
      ms: performance.now() - started,
    };
  } finally {
    backend.dispose();
  }
}

async function refusalOfTwoThreads(): Promise<{ code: string; message: string }> {
  try {
    (await createBackend({ threads: 2 })).dispose();
    return { code: 'none: it was created', message: '' };
  } catch (error) {
    return { code: error instanceof AttnkitError ? error.code : 'not an AttnkitError', message: String(error) };
  }
}
