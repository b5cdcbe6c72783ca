import { runSuite } from '@attnkit/conformance';
import { createBackend } from '../../src/index.js';

/**
 * Runs in Chromium: the whole conformance suite (fast tier, float32) on WebGL2, plus what the backend
 * reports it runs on and how many kernels it built. Returns the report without the passing results' details.
 */
export default async function run() {
  const backend = await createBackend();
  const start = performance.now();
  try {
    const report = await runSuite(backend, { tier: 'fast' });
    return {
      runsOn: report.runsOn,
      counts: report.counts,
      total: report.results.length,
      problems: report.results.filter((r) => r.status !== 'pass'),
      ms: performance.now() - start,
      kernels: backend.kernelStats(),
      liveTensors: backend.kernels.memory().liveTensors,
    };
  } finally {
    backend.dispose();
  }
}
