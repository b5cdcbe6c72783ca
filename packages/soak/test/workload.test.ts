import { mulberry32 } from '@attnkit/conformance';
import { createDevice, createReferenceBackend, FULL_ATTENTION_CAPABILITIES } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { MIX, parseSoakArgs, randomAttentionSpec, runJob, UsageError, Workload } from '../src/index.js';
import { checkBounds } from '../src/soak.js';
import { formatTable } from '../src/table.js';

const capabilities = {
  precisions: ['float32'] as const,
  attention: FULL_ATTENTION_CAPABILITIES,
  maxTensorElements: 2 ** 24,
};

describe('soak workload', () => {
  it('gives the same jobs for the same seed, and every family of the mix', () => {
    const draw = () => {
      const w = new Workload(mulberry32(7), capabilities);
      return Array.from({ length: 2000 }, () => w.next());
    };
    const jobs = draw();
    expect(JSON.stringify(draw())).toBe(JSON.stringify(jobs));
    const kinds = new Set(jobs.map((j) => (j.source.startsWith('random/') ? `random-${j.kind}` : j.kind)));
    expect([...kinds].sort()).toEqual([
      'attention',
      'block',
      'primitive',
      'random-attention',
      'random-primitive',
      'rejected',
    ]);
    expect(Object.values(MIX).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('draws random attention specs that core accepts, and calls that release every tensor', async () => {
    const backend = createReferenceBackend();
    const device = createDevice(backend);
    const w = new Workload(mulberry32(3), capabilities);
    let samples = 0;
    for (let n = 0; n < 400; n++) await runJob(device, w.next(), { sample: () => samples++ });
    expect(samples).toBeGreaterThan(350);
    expect(backend.kernels.memory().liveTensors).toBe(0);
    const r = mulberry32(11);
    const features = new Set<string>();
    for (let n = 0; n < 500; n++) {
      const spec = randomAttentionSpec(r);
      if (spec.mask) features.add(`mask-${spec.mask.kind}`);
      if (spec.P !== undefined) features.add('past');
      if (spec.Hq !== spec.Hkv) features.add('gqa');
      for (const key of Object.keys(spec.options ?? {})) features.add(key);
    }
    expect([...features].sort()).toEqual(
      [
        'alibi',
        'causalAlignment',
        'gqa',
        'headMask',
        'isCausal',
        'mask-additive',
        'mask-boolean',
        'past',
        'returnPresent',
        'scale',
        'scoresOutput',
        'softcap',
        'window',
      ].sort(),
    );
    backend.dispose();
  });
});

describe('soak bounds and options', () => {
  const snapshot = (over: Partial<ReturnType<typeof base>> = {}) => ({ ...base(), ...over });
  const base = () => ({
    liveTensors: 0,
    liveBytes: 0,
    heldBytes: 1000,
    kernelsLive: 10 as number | null,
    kernelsCompiled: 10 as number | null,
    extra: {} as Record<string, number>,
  });
  const result = (over: Record<string, unknown> = {}) => ({
    backend: 'x',
    runsOn: 'test',
    probe: { held: 'h', kernels: 'k' },
    calls: 10,
    rejected: 0,
    steps: 4,
    baseline: snapshot(),
    final: snapshot(),
    peakHeldBytes: 2000,
    peakKernelsLive: 10,
    kernelsCompiledInDecodes: 0,
    rssBaselineBytes: 0,
    rssGrowthBytes: 0,
    peakRssBytes: 0,
    ms: { warmup: 1, mix: 1, greedy: 1, beam: 1, growth: 1 },
    phases: [],
    cpuMs: 4,
    errors: [],
    errorCount: 0,
    ...over,
  });

  it('passes a clean run and names each broken bound', () => {
    expect(checkBounds(result())).toEqual([]);
    const broken = checkBounds(
      result({
        final: snapshot({ liveTensors: 2, liveBytes: 8, heldBytes: 1000 + 65 * 2 ** 20 }),
        peakKernelsLive: 600,
        kernelsCompiledInDecodes: 300,
        rssGrowthBytes: 100 * 2 ** 20,
        errorCount: 1,
        errors: ['boom'],
      }),
    );
    expect(broken.map((b) => b.bound)).toEqual([
      'errors',
      'liveTensors',
      'inUseGrowthBytes',
      'retainedBytes',
      'retainedBytes',
      'kernelsLive',
      'kernelsCompiledInDecodes',
      'rssGrowthBytes',
    ]);
    const text = broken.map((b) => b.message).join('\n');
    expect(text).toMatch(/threw.*boom/);
    expect(text).toMatch(/2 tensors alive/);
    expect(text).toMatch(/65\.0 MiB more held/);
    expect(text).toMatch(/65\.0 MiB kept for reuse/);
    expect(text).toMatch(/600 kernels held/);
    expect(text).toMatch(/300 kernels compiled during the decodes/);
    expect(text).toMatch(/RSS grew 100\.0 MiB/);
  });

  it('formats a table row per backend, skipped ones included', () => {
    const table = formatTable([
      { name: 'x', result: { ...result(), breaches: [] } },
      { name: 'y', result: { skipped: 'unavailable: no display' } },
    ]);
    expect(table.split('\n')).toHaveLength(4);
    expect(table).toMatch(/\| x +\| 10 +\| 2 × 4 /);
    expect(table).toMatch(/\| y .*skipped/);
  });

  it('parses the command line', () => {
    expect(parseSoakArgs([])).toMatchObject({ backends: null, calls: 10_000, steps: 2048, seed: 22 });
    expect(parseSoakArgs(['--backends', 'reference, wasm', '--calls', '5', '--steps', '3', '--seed', '9'])).toEqual({
      backends: ['reference', 'wasm'],
      calls: 5,
      steps: 3,
      seed: 9,
      help: false,
    });
    expect(() => parseSoakArgs(['--calls', '-1'])).toThrow(UsageError);
    expect(() => parseSoakArgs(['--steps', '0'])).toThrow(UsageError);
    expect(() => parseSoakArgs(['--bogus'])).toThrow(UsageError);
  });
});
