import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchCase } from '../grid.js';
import type { CellPolicy } from '../measure.js';
import type { BenchReport } from '../run.js';
import type { BrowserBenchConfig } from './entry.js';
import { SERVED } from './served-paths.js';

/**
 * The bench in headless Chromium through @attnkit/browser-runner: the entry is bundled for the browser, and
 * the files it loads are served under the paths of served-paths.ts (configuration, tfjs-wasm's binaries,
 * onnxruntime-web's dist, the onnxruntime-web worker). The page is cross-origin isolated, the only kind of
 * page with SharedArrayBuffer, so that WebAssembly targets can use threads, as a page that wants them must.
 */
export async function runBrowserBench(
  cases: readonly BenchCase[],
  policy: CellPolicy,
  targets: readonly string[] | null,
  command: string,
): Promise<BenchReport> {
  const { runInBrowser } = await import('@attnkit/browser-runner');
  const require = createRequire(import.meta.url);
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  // onnxruntime-web's exports list no package.json; its main entry (the Node build) lies in dist/.
  const ortWebDir = dirname(require.resolve('onnxruntime-web'));
  const workersDir = fileURLToPath(new URL('../targets/', import.meta.url));
  const configDir = await mkdtemp(join(tmpdir(), 'attnkit-bench-browser-'));
  try {
    const config: BrowserBenchConfig = { cases, policy, targets, command };
    await writeFile(join(configDir, 'config.json'), JSON.stringify(config));
    return await runInBrowser<BenchReport>({
      entry: fileURLToPath(new URL('./entry.js', import.meta.url)),
      staticDirs: {
        [SERVED.tfjsWasm]: `${wasmDir}/`,
        [SERVED.onnxruntimeWeb]: `${ortWebDir}/`,
        [SERVED.workers]: workersDir,
        [SERVED.config]: `${configDir}/`,
      },
      crossOriginIsolated: true,
      timeoutMs: 3_600_000,
    });
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}
