import { fileURLToPath } from 'node:url';
import { runInBrowser } from '@attnkit/browser-runner';
import { describe, expect, it } from 'vitest';
import type { BrowserRun } from './browser/entry.js';
import { BROWSER_RUNS } from './browser/runs.js';
import { WASM_DIR } from './helpers/tfjs-node.js';

/**
 * The whole conformance suite (full tier) in headless Chromium on the tfjs webgl and webgpu backends
 * (SwiftShader), and on wasm for good measure, then the fast tier on the blocked path (browser/runs.ts).
 * One browser session runs all of them; each run is then asserted on its own.
 */
const BROWSER_TIMEOUT_MS = 900_000;

describe('tfjs in headless Chromium', () => {
  let runs: Promise<BrowserRun[]> | null = null;
  const results = () => {
    runs ??= runInBrowser<BrowserRun[]>({
      entry: fileURLToPath(new URL('./browser/entry.ts', import.meta.url)),
      staticDirs: { '/wasm/': WASM_DIR },
      timeoutMs: BROWSER_TIMEOUT_MS,
    });
    return runs;
  };

  it.each(BROWSER_RUNS)(
    'conformance on tfjs-$tfjsBackend ($path path, $tier tier)',
    { timeout: BROWSER_TIMEOUT_MS + 60_000 },
    async ({ tfjsBackend, path }) => {
      const run = (await results()).find((r) => r.tfjsBackend === tfjsBackend && r.path === path)!;
      console.info(
        `tfjs-${tfjsBackend} (${path} path) in Chromium: ${JSON.stringify(run.counts)} on ${run.runsOn?.description} (${Math.round(run.ms / 1000)} s)`,
      );
      expect(run.created, run.reason).toBe(true);
      expect(run.runsOn?.details.tfjsBackend).toBe(tfjsBackend);
      const problems = (run.problems ?? []).map((r) => `${r.id}: ${r.status} ${r.message ?? ''}`);
      expect(problems).toEqual([]);
      expect(run.counts?.fail).toBe(0);
      expect(run.counts?.error).toBe(0);
      expect(run.counts?.pass).toBeGreaterThan(0);
      expect(run.leakedTensors).toBe(0);
    },
  );
});
