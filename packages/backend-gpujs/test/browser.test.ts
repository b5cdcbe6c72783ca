import { fileURLToPath } from 'node:url';
import { runInBrowser } from '@attnkit/browser-runner';
import type { CaseResult } from '@attnkit/conformance';
import type { RunsOn } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import type { KernelStats } from '../src/index.js';

/** The whole conformance suite in headless Chromium, where gpu.js runs WebGL2 on SwiftShader. */
interface Report {
  runsOn: RunsOn;
  counts: { pass: number; fail: number; unsupported: number; error: number };
  total: number;
  problems: CaseResult[];
  ms: number;
  kernels: KernelStats;
  liveTensors: number;
}

describe('in headless Chromium (WebGL2 on SwiftShader)', () => {
  it('runs on WebGL2Kernel and passes the conformance suite (fast tier)', async () => {
    const report = await runInBrowser<Report>({
      entry: fileURLToPath(new URL('./browser/suite-entry.ts', import.meta.url)),
      timeoutMs: 540_000,
    });
    const { compiled, compileMs } = report.kernels;
    console.info(
      `[gpujs browser] ${report.runsOn.description}\n[gpujs browser] ${JSON.stringify(report.counts)} of ${report.total} in ${(report.ms / 1000).toFixed(1)} s; ${compiled} kernels built in ${(compileMs / 1000).toFixed(1)} s`,
    );
    expect(report.runsOn.details.kernelClass).toBe('WebGL2Kernel');
    expect(report.problems).toEqual([]);
    expect(report.counts.pass).toBe(report.total);
    expect(report.total).toBeGreaterThan(100);
    expect(report.liveTensors).toBe(0);
  }, 600_000);

  it('a context lost with WEBGL_lose_context gives DEVICE_LOST at once; a new backend then works', async () => {
    const report = await runInBrowser<Record<string, unknown>>({
      entry: fileURLToPath(new URL('./browser/faults-entry.ts', import.meta.url)),
      timeoutMs: 120_000,
    });
    expect(report).toMatchObject({
      hasExtension: true,
      lost: true,
      before: 'ok',
      attention: 'DEVICE_LOST',
      upload: 'DEVICE_LOST',
      read: 'DEVICE_LOST',
      dispose: 'ok',
      freshFinite: true,
    });
    expect(report.ms).toBeLessThan(1000);
  }, 180_000);
});
