import { fileURLToPath } from 'node:url';
import { runInBrowser } from '@attnkit/browser-runner';
import { describe, expect, it } from 'vitest';
import type { BrowserSuiteReport } from './browser/suite-entry.js';

/**
 * The whole conformance suite (full tier) in headless Chromium, twice: in a cross-origin-isolated page, where
 * the backend gets a shared memory, a worker per core and relaxed SIMD (Chromium validates it by default), and
 * in a plain page, where there is no SharedArrayBuffer and it must settle on one thread and say why.
 */
const TIMEOUT_MS = 120_000;

function runSuiteInChromium(crossOriginIsolated: boolean): Promise<BrowserSuiteReport> {
  return runInBrowser<BrowserSuiteReport>({
    entry: fileURLToPath(new URL('./browser/suite-entry.ts', import.meta.url)),
    crossOriginIsolated,
    timeoutMs: TIMEOUT_MS,
  });
}

function expectEveryCasePasses(report: BrowserSuiteReport, label: string): void {
  console.info(
    `[wasm ${label}] ${report.runsOn.description}: ${JSON.stringify(report.counts)} of ${report.total} in ${(report.ms / 1000).toFixed(1)} s`,
  );
  expect(report.problems.map((r) => `${r.id}: ${r.status} ${r.message ?? ''}`)).toEqual([]);
  expect(report.counts.fail).toBe(0);
  expect(report.counts.error).toBe(0);
  expect(report.counts.pass).toBe(report.total);
  expect(report.total).toBeGreaterThan(100);
  expect(report.liveTensors).toBe(0);
}

describe('in headless Chromium', () => {
  it(
    'in a cross-origin-isolated page: a thread per core, relaxed SIMD, and the full conformance suite passes',
    async () => {
      const report = await runSuiteInChromium(true);
      expectEveryCasePasses(report, 'isolated');
      expect(report.crossOriginIsolated).toBe(true);
      expect(report.runsOn.details).toMatchObject({ threads: report.cores, sharedMemory: true, simd: 'relaxed' });
      expect(report.cores).toBeGreaterThan(1);
    },
    TIMEOUT_MS + 60_000,
  );

  it(
    'in a plain page: 1 thread with the reason, 2 threads refused, and the full conformance suite passes',
    async () => {
      const report = await runSuiteInChromium(false);
      expectEveryCasePasses(report, 'not isolated');
      expect(report.crossOriginIsolated).toBe(false);
      expect(report.runsOn.details).toMatchObject({ threads: 1, sharedMemory: false, simd: 'relaxed' });
      expect(report.runsOn.description).toMatch(/1 thread \(the page is not cross-origin isolated/);
      expect(report.twoThreadsWithoutSharedMemory?.code).toBe('UNAVAILABLE');
      expect(report.twoThreadsWithoutSharedMemory?.message).toMatch(/2 threads need a shared memory/);
    },
    TIMEOUT_MS + 60_000,
  );
});
