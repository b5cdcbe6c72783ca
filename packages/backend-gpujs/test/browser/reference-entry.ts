import { attention, createReferenceBackend } from '@attnkit/core';
import { createBackend } from '../../src/index.js';
import { ATTENTION_CASES, ATTENTION_CASES_3D, EDGE_CASES } from '../support/cases.js';
import { worstMismatch } from '../support/compare.js';

/**
 * Runs in Chromium: this package's own attention cases against the reference, on WebGL2. Returns one line
 * per case (JSON), plus what the backend reports it runs on.
 */
export default async function run() {
  const backend = await createBackend();
  const reference = createReferenceBackend();
  const results: { name: string; problem: string | null; ms: number }[] = [];
  try {
    for (const c of [...ATTENTION_CASES, ...ATTENTION_CASES_3D, ...EDGE_CASES]) {
      const start = performance.now();
      let problem: string | null = null;
      try {
        const expected = await attention(reference, c.inputs, c.options);
        const actual = await attention(backend, c.inputs, c.options);
        for (const name of Object.keys(expected) as (keyof typeof expected)[]) {
          const a = actual[name];
          problem ??= a ? worstMismatch(a.data, expected[name]!.data) : `${name} missing`;
          if (problem) problem = `${name}: ${problem}`;
        }
      } catch (error) {
        problem = String(error);
      }
      results.push({ name: c.name, problem, ms: performance.now() - start });
    }
    return { runsOn: backend.runsOn, results, kernels: backend.kernelStats(), liveTensors: backend.kernels.memory().liveTensors };
  } finally {
    backend.dispose();
  }
}
