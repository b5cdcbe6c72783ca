import { describe, expect, it } from 'vitest';
import { runSuite } from '../src/index.js';
import { createFaultyBackend, type Fault, FLOAT16_FAULTS } from './fixtures/faulty-backend.js';

/**
 * The suite must catch real bugs. Each planted fault must fail the fast tier, and in particular the cases
 * named here (a hand case that states the rule, and a generated case that exercises it).
 */
type Float16Fault = 'bfloat16-storage' | 'half-scores' | 'half-accumulator';
const MUST_FAIL: Record<Exclude<Fault, 'none' | Float16Fault>, readonly string[]> = {
  'bottom-right-causal': ['hand/causal-top-left-sq2-t3', 'causal/sq4-skv6#1', 'valid-lengths/causal-4-6#1'],
  'softcap-after-mask': ['hand/softcap-before-mask', 'softcap/cap0.5-causal#1', 'edge/fully-masked-softcap-alibi#1'],
  'nan-on-fully-masked': [
    'hand/fully-masked-row-is-zero',
    'edge/fully-masked-valid-lengths-0#1',
    'edge/fully-masked-short-mask-0#1',
  ],
  'wrong-gqa-mapping': ['hand/gqa-head-mapping', 'gqa/gqa-9-3#1', 'property/gqa-equals-repeat/gqa-9-3#1'],
  'scale-ignored': ['hand/explicit-scale', 'scale/scale-0.3#1', 'large-logits/plus-1e4#1'],
  'mask-broadcast-from-left': [
    'hand/mask-broadcast-from-right',
    'mask-boolean/rank2-sq-t#1',
    'mask-additive/rank3-h-sq-t#1',
  ],
  'unfactored-mask': ['hand/mask-row-minus-flt-max-keeps-scores', 'hand/mask-max-over-visible-keys'],
};

/**
 * Mistakes only a float16 path can make. The float16 tolerance (1e-2) is 20× float16's spacing, loose enough that
 * random data does not show them (measured: the whole full tier passes with each of these three faults); these
 * cases are built so that it does: inputs exact in float16 but not in fewer bits, logits of ±1e4 whose float16
 * spacing (8) swamps their differences, and a 5,000-key uniform row whose float16 running sum stops at 0.5.
 */
const FLOAT16_MUST_FAIL: Record<Float16Fault, readonly string[]> = {
  'bfloat16-storage': ['hand/eleven-significant-bits@float16'],
  'half-scores': ['large-logits/plus-1e4#1@float16', 'large-logits/minus-1e4#1@float16'],
  'half-accumulator': ['hand/long-uniform-row@float16'],
};

describe('planted-bug fixtures', () => {
  it('the fixture without a fault passes the whole fast tier', async () => {
    const backend = createFaultyBackend('none');
    const report = await runSuite(backend);
    expect(report.results.filter((r) => r.status !== 'pass')).toEqual([]);
    expect(report.counts.pass).toBeGreaterThan(200);
    expect(backend.kernels.memory().liveTensors).toBe(0);
    backend.dispose();
  });

  it('the fixture without a fault, computing every intermediate in float32, passes the whole fast tier', async () => {
    const backend = createFaultyBackend('none', { float32Arithmetic: true });
    const report = await runSuite(backend);
    expect(report.results.filter((r) => r.status !== 'pass')).toEqual([]);
    backend.dispose();
  });

  it('the fixture without a fault, declaring float16, passes the float16 fast tier within its tolerance', async () => {
    const backend = createFaultyBackend('none', { float16: true });
    const report = await runSuite(backend, { precision: 'float16' });
    expect(report.results.filter((r) => r.status !== 'pass')).toEqual([]);
    expect(report.counts.pass).toBeGreaterThan(150);
    backend.dispose();
  });

  for (const [fault, cases] of Object.entries(MUST_FAIL) as [Fault, readonly string[]][]) {
    it(`'${fault}' fails ${cases.join(', ')}`, async () => {
      const backend = createFaultyBackend(fault);
      const report = await runSuite(backend);
      const failed = new Set(report.results.filter((r) => r.status === 'fail').map((r) => r.id));
      expect(report.counts.error).toBe(0);
      for (const id of cases) expect(failed, `${fault} should fail ${id}`).toContain(id);
      backend.dispose();
    });
  }

  // The float32 faults again at float16: its looser tolerance must still catch each of them.
  for (const [fault, cases] of Object.entries(MUST_FAIL) as [Fault, readonly string[]][]) {
    it(`'${fault}' at float16 fails ${cases.map((id) => `${id}@float16`).join(', ')}`, async () => {
      const backend = createFaultyBackend(fault, { float16: true });
      const report = await runSuite(backend, { precision: 'float16' });
      const failed = new Set(report.results.filter((r) => r.status === 'fail').map((r) => r.id));
      expect(report.counts.error).toBe(0);
      for (const id of cases) expect(failed, `${fault} should fail ${id}@float16`).toContain(`${id}@float16`);
      backend.dispose();
    });
  }

  for (const [fault, cases] of Object.entries(FLOAT16_MUST_FAIL) as [Fault, readonly string[]][]) {
    it(`float16 fault '${fault}' fails ${cases.join(', ')} and nothing at float32`, async () => {
      expect(FLOAT16_FAULTS).toContain(fault);
      const backend = createFaultyBackend(fault, { float16: true, float32Arithmetic: true });
      const report = await runSuite(backend, { precision: 'float16' });
      const failed = new Set(report.results.filter((r) => r.status === 'fail').map((r) => r.id));
      for (const id of cases) expect(failed, `${fault} should fail ${id}`).toContain(id);
      const float32 = await runSuite(backend, { filter: (c) => c.kind !== 'primitive' });
      expect(float32.counts.fail + float32.counts.error).toBe(0);
      backend.dispose();
    });
  }
});
