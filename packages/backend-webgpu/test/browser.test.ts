import { fileURLToPath } from 'node:url';
import { runInBrowser } from '@attnkit/browser-runner';
import { expect, it } from 'vitest';
import type { BrowserReport } from './browser/entry.js';

/**
 * The whole conformance suite in headless Chromium (WebGPU on SwiftShader through navigator.gpu), and its
 * fast tier again with the shared-memory strategy. float16 cases count as 'unsupported' (a visible,
 * reasoned skip) unless the adapter has shader-f16.
 */
it('passes the conformance suite in headless Chromium', async () => {
  const report = await runInBrowser<BrowserReport>({
    entry: fileURLToPath(new URL('./browser/entry.ts', import.meta.url)),
    timeoutMs: 1_500_000,
  });
  for (const suite of report.suites) {
    console.log(
      `chromium ${suite.tier}/${suite.precision} on ${suite.runsOn.description}: ${JSON.stringify(suite.counts)}`,
    );
  }
  console.log(
    `chromium shared-memory strategy, fast tier: ${JSON.stringify(report.shared.counts)}; ${Math.round(report.ms)} ms in all`,
  );
  const failures = [...report.suites, report.shared].flatMap((s) =>
    s.results
      .filter((r) => r.status === 'fail' || r.status === 'error')
      .map((r) => `${s === report.shared ? 'shared ' : ''}${r.id}: ${r.message}`),
  );
  expect(report.shared.counts.pass).toBe(report.shared.results.length);
  expect(report.runsOn.api).toBe('webgpu');
  expect(failures).toEqual([]);
  expect(report.suites[0].counts.pass).toBeGreaterThan(0);
  const half = report.suites[1];
  const hasF16 = (report.runsOn.details.features as string[]).includes('shader-f16');
  expect(half.counts.pass > 0).toBe(hasF16);
  expect(report.leaked).toBe(0);
}, 1_600_000);
