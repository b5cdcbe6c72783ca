// The package's benchmark: attention in headless Chromium (WebGL2 on SwiftShader) against tfjs-webgl's naive
// composition and a naive three-kernel gpu.js version, on the same WebGL implementation in the same page.
// Usage: pnpm --filter @attnkit/backend-gpujs bench [--quick]   (--quick leaves out the naive gpu.js version)
import { fileURLToPath } from 'node:url';
import { runInBrowser } from '@attnkit/browser-runner';

const report = await runInBrowser({
  entry: fileURLToPath(
    new URL(process.argv.includes('--quick') ? './quick-entry.ts' : './browser-entry.ts', import.meta.url),
  ),
  timeoutMs: 900_000,
});
console.log(`gpu.js backend: ${report.runsOn}`);
console.log(`tfjs backend: ${report.tfjsBackend}; kernels: ${JSON.stringify(report.kernels)}`);
console.table(
  report.rows.map((r) => ({
    shape: r.shape,
    'gpujs first call ms': r.gpujsFirstCallMs.toFixed(1),
    'gpujs ms': r.gpujsMs.toFixed(1),
    'tfjs-webgl ms': r.tfjsWebglMs.toFixed(1),
    'naive gpu.js ms': r.naiveGpujsMs.toFixed(1),
    'tfjs / gpujs': r.tfjsOverOurs.toFixed(2),
    'naive / gpujs': r.naiveOverOurs.toFixed(2),
  })),
);
