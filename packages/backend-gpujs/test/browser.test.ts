import { fileURLToPath } from 'node:url';
import { runInBrowser } from '@attnkit/browser-runner';
import type { RunsOn } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import type { KernelStats } from '../src/index.js';

/** The same cases in headless Chromium, where gpu.js runs WebGL2 on SwiftShader. */
interface Report {
  runsOn: RunsOn;
  results: { name: string; problem: string | null; ms: number }[];
  kernels: KernelStats;
  liveTensors: number;
}

describe('in headless Chromium (WebGL2)', () => {
  it('runs on WebGL2Kernel and matches the reference on every case', async () => {
    const report = await runInBrowser<Report>({
      entry: fileURLToPath(new URL('./browser/reference-entry.ts', import.meta.url)),
      timeoutMs: 300_000,
    });
    console.info(`[gpujs browser] ${report.runsOn.description}; ${report.results.length} cases; kernels ${JSON.stringify(report.kernels)}`);
    expect(report.runsOn.details.kernelClass).toBe('WebGL2Kernel');
    const failures = report.results.filter((r) => r.problem !== null);
    expect(failures).toEqual([]);
    expect(report.results.length).toBeGreaterThan(30);
    expect(report.liveTensors).toBe(0);
  }, 320_000);
});
