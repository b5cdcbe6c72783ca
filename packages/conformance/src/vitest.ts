import type { Backend, Precision } from '@attnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { listCases } from './cases/index.js';
import { runCase, unsupportedFeatures } from './run/case.js';
import { RunContext } from './run/context.js';
import type { Tier } from './spec.js';

export interface DescribeConformanceOptions {
  /** Default 'fast'. */
  readonly tier?: Tier;
  /** Default 'float32'. */
  readonly precision?: Precision;
  /** Per-case timeout in ms (default 120 000: software GPUs are slow). */
  readonly timeout?: number;
}

/**
 * Runs the whole suite against a backend, one `it` per case, named by the case id:
 *
 *   describeConformance('tfjs-wasm', () => createBackend({ tfjsBackend: 'wasm' }));
 *
 * The backend is created once, while the suite is collected (the declared capabilities decide which cases
 * are skipped, and a skip names its reason in its title), and disposed after the last case. Only features
 * the backend declares unsupported are skipped; everything else must pass. A last test checks that the
 * suite leaked no tensors (`kernels.memory().liveTensors` unchanged).
 */
export function describeConformance(
  label: string,
  create: () => Backend | Promise<Backend>,
  options: DescribeConformanceOptions = {},
): void {
  const tier = options.tier ?? 'fast';
  const precision = options.precision ?? 'float32';
  const timeout = options.timeout ?? 120_000;
  describe(`conformance: ${label} (${tier} tier, ${precision})`, async () => {
    const backend = await create();
    const context = new RunContext();
    const liveAtStart = backend.kernels.memory().liveTensors;
    afterAll(() => {
      context.dispose();
      backend.dispose();
    });
    for (const c of listCases(tier, { precision })) {
      const missing = unsupportedFeatures(backend, c);
      if (missing.length > 0) {
        it.skip(`${c.id} (skipped: ${backend.name} declares no support for ${missing.join(', ')})`, () => {});
        continue;
      }
      it(
        c.id,
        async () => {
          const result = await runCase(backend, c, context, { timeLimitMs: timeout });
          if (result.status !== 'pass') {
            expect.fail(`${result.status}: ${c.title}\n${result.message ?? ''}`);
          }
        },
        // vitest's own limit comes later, so the case's message (which names it) is what a hang reports.
        timeout + 5_000,
      );
    }
    it('releases every tensor it created', () => {
      expect(backend.kernels.memory().liveTensors).toBe(liveAtStart);
    });
  });
}
