import type { BenchCase } from '../grid.js';
import type { CellPolicy } from '../measure.js';
import { type BenchReport, runBench } from '../run.js';
import { SERVED } from './served-paths.js';
import { BROWSER_TARGET_FACTORIES } from './targets.js';

/** What the Node side serves as config.json (under SERVED.config) for one browser run. */
export interface BrowserBenchConfig {
  readonly cases: readonly BenchCase[];
  readonly policy: CellPolicy;
  readonly targets: readonly string[] | null;
  readonly command: string;
}

/** Runs in headless Chromium (bundled by @attnkit/browser-runner): the same bench, browser targets. */
export default async function run(): Promise<BenchReport> {
  const config = (await (await fetch(`${SERVED.config}config.json`)).json()) as BrowserBenchConfig;
  const unknown = (config.targets ?? []).filter((name) => !BROWSER_TARGET_FACTORIES.some((f) => f.name === name));
  if (unknown.length)
    throw new Error(
      `unknown browser target(s) ${unknown.join(', ')}; known: ${BROWSER_TARGET_FACTORIES.map((f) => f.name).join(', ')}`,
    );
  const factories = BROWSER_TARGET_FACTORIES.filter((f) => !config.targets || config.targets.includes(f.name));
  const nav = (
    globalThis as unknown as { navigator: { hardwareConcurrency: number; userAgent: string; deviceMemory?: number } }
  ).navigator;
  return runBench({
    cases: config.cases,
    factories,
    policy: config.policy,
    command: config.command,
    machine: {
      cpus: nav.hardwareConcurrency,
      cpuModel: 'unknown (browser)',
      totalMemoryGiB: nav.deviceMemory ?? 0,
      platform: nav.userAgent,
      node: 'none (headless Chromium)',
      gpuDevices: [],
      load: [],
    },
  });
}
