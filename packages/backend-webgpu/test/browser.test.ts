import { fileURLToPath } from 'node:url';
import { runInBrowser } from '@attnkit/browser-runner';
import { expect, it } from 'vitest';
import type { BrowserReport } from './browser/entry.js';

/** The same cases in headless Chromium (WebGPU on SwiftShader), through navigator.gpu. */
it('passes every case in headless Chromium', async () => {
  const report = await runInBrowser<BrowserReport>({
    entry: fileURLToPath(new URL('./browser/entry.ts', import.meta.url)),
    timeoutMs: 600_000,
  });
  const failures = Object.entries(report.strategies).flatMap(([strategy, outcomes]) =>
    outcomes.filter((o) => !o.ok).map((o) => `${strategy} ${o.id}: ${o.message}`),
  );
  const total = Object.values(report.strategies).reduce((n, o) => n + o.length, 0);
  console.log(`chromium: ${total - failures.length}/${total} cases passed in ${Math.round(report.ms)} ms on ${report.runsOn.description}`);
  expect(report.runsOn.api).toBe('webgpu');
  expect(failures).toEqual([]);
  expect(report.leaked).toBe(0);
}, 660_000);
