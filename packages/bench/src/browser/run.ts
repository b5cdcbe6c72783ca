import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchCase } from '../grid.js';
import type { CellPolicy } from '../measure.js';
import type { BenchReport } from '../run.js';
import type { BrowserBenchConfig } from './entry.js';

/**
 * The bench in headless Chromium through @attnkit/browser-runner: the entry is bundled for the browser,
 * the configuration served as /config/config.json, tfjs-wasm's binaries as /wasm/.
 */
export async function runBrowserBench(cases: readonly BenchCase[], policy: CellPolicy, targets: readonly string[] | null, command: string): Promise<BenchReport> {
  const { runInBrowser } = await import('@attnkit/browser-runner');
  const require = createRequire(import.meta.url);
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  const configDir = await mkdtemp(join(tmpdir(), 'attnkit-bench-browser-'));
  try {
    const config: BrowserBenchConfig = { cases, policy, targets, command };
    await writeFile(join(configDir, 'config.json'), JSON.stringify(config));
    return await runInBrowser<BenchReport>({
      entry: fileURLToPath(new URL('./entry.js', import.meta.url)),
      staticDirs: { '/wasm/': `${wasmDir}/`, '/config/': `${configDir}/` },
      timeoutMs: 3_600_000,
    });
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}
