import { listCases, RunContext, runCase } from '@attnkit/conformance';
import { type AttentionOptions, attention, isAttnkitError } from '@attnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Timer } from '../src/autotune-measure.js';
import { internals } from '../src/backend.js';
import {
  type AttentionTuning,
  createBackend,
  TUNING_CACHE_FORMAT,
  TUNING_CACHE_VERSION,
  type TuningCache,
  WebGpuBackend,
} from '../src/index.js';
import { MAX_CANDIDATES } from '../src/kernels/attention-variants.js';

/**
 * The live autotuner on SwiftShader, with a fake clock where a choice must be deterministic. The shape
 * [1,2,16,16,8] is of class 'attention:8:8:true:false:false:unsplit'; ODD is a deliberately unusual variant
 * (3 query rows per invocation, blocks of 5 keys, workgroups of 16, scalar loads) that no heuristic picks.
 */
const SHAPE = { B: 1, Hq: 2, Sq: 16, T: 16, D: 8, Dv: 8 };
const CLASS = 'attention:8:8:true:false:false:unsplit';
const ODD: AttentionTuning = {
  strategy: 'registers',
  workgroupSize: 16,
  keyBlock: 5,
  rowsPerInvocation: 3,
  vec4: false,
  splitKeys: 0,
};
const OTHER_ADAPTER = { vendor: 'acme', architecture: 'rdna9', device: 'x-1', description: 'ACME X-1 driver 7' };

/**
 * Candidates: more than the bound (the heuristic's own variant, rows 1 with blocks of 16, among them), the odd
 * one fourth; BROKEN cannot compile (a 0-wide workgroup).
 */
const plain = (rows: number, keyBlock: number): AttentionTuning => ({
  ...ODD,
  rowsPerInvocation: rows,
  keyBlock,
  workgroupSize: 64,
  vec4: true,
});
const CANDIDATES: AttentionTuning[] = [
  plain(1, 8),
  plain(2, 8),
  plain(4, 8),
  ODD,
  ...[16, 32, 64].flatMap((keyBlock) => [1, 2, 4].map((rows) => plain(rows, keyBlock))),
];
const BROKEN: AttentionTuning = { ...ODD, workgroupSize: 0 };

/** A clock on which ODD takes 1 ms and every other candidate 10 ms; it counts what it timed. */
function fakeTimer(timed: AttentionTuning[]): Timer {
  return async (tuning, run) => {
    await run();
    timed.push(tuning);
    return JSON.stringify(tuning) === JSON.stringify(ODD) ? 1 : 10;
  };
}

async function attentionOnce(backend: WebGpuBackend, options: AttentionOptions = {}): Promise<Float32Array> {
  const { B, Hq, Sq, T, D } = SHAPE;
  const data = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
  const { y } = await attention(
    backend,
    {
      q: { data: data(B * Hq * Sq * D), shape: [B, Hq, Sq, D] },
      k: { data: data(B * Hq * T * D), shape: [B, Hq, T, D] },
      v: { data: data(B * Hq * T * D), shape: [B, Hq, T, D] },
    },
    options,
  );
  return y.data as Float32Array;
}

function cacheFor(backend: WebGpuBackend): TuningCache {
  const entry = {
    shapeClass: CLASS,
    shape: SHAPE,
    choice: ODD,
    choiceMs: 1,
    heuristicMs: 10,
    candidates: 2,
    tunedAt: '2026-12-03T00:00:00.000Z',
  };
  return {
    format: TUNING_CACHE_FORMAT,
    version: TUNING_CACHE_VERSION,
    entries: [
      { ...entry, adapter: internals(backend).autotuner.identity },
      { ...entry, adapter: OTHER_ADAPTER, choice: { ...ODD, strategy: 'shared', keyBlock: 64 } },
    ],
  };
}

/** cacheFor() this machine's adapter, read from a backend made for that alone. */
async function cacheHere(): Promise<TuningCache> {
  const probe = await createBackend();
  const cache = cacheFor(probe);
  probe.dispose();
  return cache;
}

const until = async (done: () => boolean, ms = 60_000) => {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('autotune defaults', () => {
  it('is off on a software adapter unless forced, and refuses a non-boolean', async () => {
    const plain = await createBackend();
    const forced = await createBackend({ autotune: true });
    const off = await createBackend({ autotune: false });
    try {
      expect(plain.runsOn.device).toBe('software-gpu');
      expect(plain.autotune).toBe(false);
      expect(forced.autotune).toBe(true);
      expect(off.autotune).toBe(false);
    } finally {
      for (const b of [plain, forced, off]) b.dispose();
    }
    await expect(createBackend({ autotune: 'yes' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'options.autotune',
    });
  });
});

describe('autotune defaults on a hardware adapter', () => {
  it('is on where the adapter is a GPU (here SwiftShader declared one), unless turned off', async () => {
    const probe = await createBackend();
    try {
      const acquired = (autotune?: boolean) =>
        new WebGpuBackend(
          {
            device: probe.device,
            ownsDevice: false,
            runsOn: { ...probe.runsOn, device: 'gpu' },
            features: [...probe.device.features],
          },
          { autotune },
        );
      const [on, off] = [acquired(), acquired(false)];
      expect(on.autotune).toBe(true);
      expect(off.autotune).toBe(false);
      on.dispose();
      off.dispose();
    } finally {
      probe.dispose();
    }
  });
});

describe('the tuning cache', () => {
  it('round-trips through JSON and createBackend, and the cached choice is what runs, untimed', async () => {
    const cache = JSON.parse(JSON.stringify(await cacheHere()));
    const timed: AttentionTuning[] = [];
    for (const given of [cache, JSON.stringify(cache)]) {
      const backend = await createBackend({ tuningCache: given, autotune: true });
      try {
        const { autotuner, gpu } = internals(backend);
        autotuner.timer = fakeTimer(timed);
        autotuner.candidates = () => CANDIDATES;
        expect(backend.attentionTuning(SHAPE)).toEqual(ODD);
        const y = await attentionOnce(backend);
        expect(y.every(Number.isFinite)).toBe(true);
        expect(gpu.pipelines.keys().some((k) => k.startsWith('attention-stream:registers:wg16:kb5:r3:s:'))).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(timed).toEqual([]);
        expect(JSON.parse(JSON.stringify(backend.tuningCache()))).toEqual(cache);
      } finally {
        backend.dispose();
      }
    }
  });

  it('gives the same answer with the cached variant as with the heuristic one', async () => {
    const probe = await createBackend();
    const cache = cacheFor(probe);
    const heuristic = await attentionOnce(probe, { isCausal: true });
    probe.dispose();
    const cached = await createBackend({ tuningCache: cache });
    try {
      const y = await attentionOnce(cached, { isCausal: true });
      for (let i = 0; i < y.length; i++) expect(y[i]).toBeCloseTo(heuristic[i], 5);
    } finally {
      cached.dispose();
    }
  });

  it('is not used where tuning.attention pins a parameter', async () => {
    const cache = await cacheHere();
    const pinned = await createBackend({ tuningCache: cache, tuning: { attention: { keyBlock: 8 } } });
    try {
      expect(pinned.attentionTuning(SHAPE)).toMatchObject({ keyBlock: 8, strategy: 'registers' });
      expect(pinned.attentionTuning(SHAPE)).not.toEqual(ODD);
    } finally {
      pinned.dispose();
    }
  });

  it('refuses a malformed cache with INVALID_ARGUMENT naming the field', async () => {
    const good = await cacheHere();
    const entry = good.entries[0];
    const bad: [unknown, string][] = [
      [42, 'options.tuningCache'],
      ['{not json', 'options.tuningCache'],
      [{ ...good, format: 'other' }, 'options.tuningCache.format'],
      [{ ...good, version: 2 }, 'options.tuningCache.version'],
      [{ ...good, entries: {} }, 'options.tuningCache.entries'],
      [{ ...good, entries: [null] }, 'options.tuningCache.entries[0]'],
      [{ ...good, entries: [{ ...entry, adapter: { vendor: 1 } }] }, 'options.tuningCache.entries[0].adapter.vendor'],
      [
        { ...good, entries: [{ ...entry, choice: { ...entry.choice, keyBlock: 0 } }] },
        'options.tuningCache.entries[0].choice.keyBlock',
      ],
      [
        { ...good, entries: [{ ...entry, choice: { ...entry.choice, vec4: 'yes' } }] },
        'options.tuningCache.entries[0].choice.vec4',
      ],
      [{ ...good, entries: [{ ...entry, shape: { ...SHAPE, T: 1.5 } }] }, 'options.tuningCache.entries[0].shape.T'],
      [{ ...good, entries: [{ ...entry, choiceMs: -1 }] }, 'options.tuningCache.entries[0].choiceMs'],
      [
        { ...good, entries: [{ ...entry, shape: { ...SHAPE, mask: { kind: 'soft' } } }] },
        'options.tuningCache.entries[0].shape.mask.kind',
      ],
      [
        { ...good, entries: [{ ...entry, shape: { ...SHAPE, window: { left: -2, right: null } } }] },
        'options.tuningCache.entries[0].shape.window.left',
      ],
    ];
    for (const [tuningCache, argument] of bad) {
      const error = await createBackend({ tuningCache: tuningCache as never }).catch((e: unknown) => e);
      expect(isAttnkitError(error, 'INVALID_ARGUMENT'), String(error)).toBe(true);
      expect((error as { argument: string }).argument).toBe(argument);
    }
  });

  it('keeps a choice of an unknown strategy (a newer version) but does not run it', async () => {
    const cache = await cacheHere();
    const future = { ...cache, entries: [{ ...cache.entries[0], choice: { ...ODD, strategy: 'tensor-cores' } }] };
    const backend = await createBackend({ tuningCache: future as never });
    try {
      expect(backend.attentionTuning(SHAPE)).not.toEqual(ODD);
      expect(backend.tuningCache()).toEqual(future);
    } finally {
      backend.dispose();
    }
  });
});

describe('backend.tune', () => {
  let backend: WebGpuBackend;
  const timed: AttentionTuning[] = [];
  beforeAll(async () => {
    backend = await createBackend();
    const { autotuner } = internals(backend);
    autotuner.timer = fakeTimer(timed);
    autotuner.candidates = () => [...CANDIDATES.slice(0, 3), BROKEN, ...CANDIDATES.slice(3)];
  });
  afterAll(() => backend?.dispose());

  it('times at most the bound of candidates, records a failing one, and chooses the fastest', async () => {
    const memoryBefore = backend.memoryStats();
    const kernelsBefore = backend.kernelStats();
    const [result] = await backend.tune([SHAPE]);
    expect(result.shapeClass).toBe(CLASS);
    expect(result.fromCache).toBe(false);
    expect(result.measurements[0].tuning).toEqual(result.heuristic);
    const broken = result.measurements.find((m) => m.tuning.workgroupSize === 0);
    expect(broken?.medianMs).toBeNull();
    expect(broken?.failed).toMatch(/.+/);
    expect(result.measurements).toHaveLength(MAX_CANDIDATES);
    expect(result.choice).toEqual(ODD);
    expect(backend.attentionTuning(SHAPE)).toEqual(ODD);
    expect(new Set(timed.map((t) => JSON.stringify(t))).size).toBe(
      result.measurements.filter((m) => m.medianMs !== null).length,
    );
    // Tuning's scratch is its own: nothing live, the pool and the pipeline cache as they were.
    expect(backend.kernels.memory()).toMatchObject({ liveTensors: 0, liveBytes: 0, usedBytes: 0 });
    expect(backend.memoryStats()).toMatchObject({ bytesInUse: 0, bytesFree: memoryBefore.bytesFree });
    expect(backend.kernelStats()).toEqual(kernelsBefore);
    const entry = backend.tuningCache().entries.find((e) => e.shapeClass === CLASS);
    expect(entry).toMatchObject({ choice: ODD, choiceMs: 1, heuristicMs: 10 });
  });

  it('answers from the cache the second time, and times again with force', async () => {
    const count = timed.length;
    const [cached] = await backend.tune([{ B: 2, Hq: 4, Sq: 20, T: 40, D: 8 }]);
    expect(cached).toMatchObject({ fromCache: true, choice: ODD, measurements: [] });
    expect(timed.length).toBe(count);
    const [again] = await backend.tune([SHAPE], { force: true, runs: 1 });
    expect(again.fromCache).toBe(false);
    expect(timed.length).toBeGreaterThan(count);
  });

  it('keeps causal calls in a class of their own, tuned apart, through the cache', async () => {
    // Only the unmasked class is tuned so far: a causal call of the same shape does not get its choice.
    const before = await createBackend({ tuningCache: JSON.stringify(backend.tuningCache()) });
    try {
      expect(before.attentionTuning(SHAPE)).toEqual(ODD);
      expect(before.attentionTuning({ ...SHAPE, isCausal: true })).not.toEqual(ODD);
    } finally {
      before.dispose();
    }
    const [causal] = await backend.tune([{ ...SHAPE, isCausal: true }], { runs: 1 });
    expect(causal.shapeClass).toBe(`${CLASS}:causal`);
    expect(causal.fromCache).toBe(false);
    const entry = backend.tuningCache().entries.find((e) => e.shapeClass === `${CLASS}:causal`);
    expect(entry?.shape.isCausal).toBe(true);
    const after = await createBackend({ tuningCache: JSON.stringify(backend.tuningCache()) });
    try {
      expect(after.attentionTuning({ ...SHAPE, isCausal: true })).toEqual(causal.choice);
    } finally {
      after.dispose();
    }
    await expect(backend.tune([{ ...SHAPE, isCausal: 1 as unknown as boolean }])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'shapes[0].isCausal',
    });
  });

  it('keeps masked and windowed calls in classes of their own, timed with them, through JSON', async () => {
    const masked = { ...SHAPE, mask: { kind: 'additive' as const } };
    const windowed = { ...SHAPE, window: { left: 3, right: Number.POSITIVE_INFINITY } };
    const before = await createBackend({ tuningCache: JSON.stringify(backend.tuningCache()) });
    try {
      expect(before.attentionTuning(SHAPE)).toEqual(ODD);
      expect(before.attentionTuning(masked)).not.toEqual(ODD);
      expect(before.attentionTuning(windowed)).not.toEqual(ODD);
    } finally {
      before.dispose();
    }
    const results = await backend.tune(
      [
        { ...SHAPE, mask: 'additive' },
        { ...SHAPE, mask: 'boolean' },
        { ...SHAPE, window: { left: 3 } },
      ],
      { runs: 1 },
    );
    expect(results.map((r) => r.shapeClass)).toEqual([
      `${CLASS}:mask-additive`,
      `${CLASS}:mask-boolean`,
      `${CLASS}:window`,
    ]);
    // Every candidate but the broken one ran with the class's mask or window.
    for (const r of results) expect(r.measurements.filter((m) => m.medianMs !== null)).toHaveLength(MAX_CANDIDATES - 1);
    // JSON has no Infinity: an unbounded side is written null, and a backend given it back reads it as unbounded.
    const text = JSON.stringify(backend.tuningCache());
    const written = JSON.parse(text).entries.find((e: { shapeClass: string }) => e.shapeClass === `${CLASS}:window`);
    expect(written.shape.window).toEqual({ left: 3, right: null });
    const after = await createBackend({ tuningCache: text });
    try {
      expect(after.attentionTuning(masked)).toEqual(results[0].choice);
      expect(after.attentionTuning(windowed)).toEqual(results[2].choice);
    } finally {
      after.dispose();
    }
  });

  it('times the candidate list of attention-variants.ts by default, the heuristic first', async () => {
    const fresh = await createBackend();
    try {
      const [result] = await fresh.tune([{ B: 1, Hq: 2, Sq: 8, T: 64, D: 8 }], { runs: 1 });
      expect(result.measurements.length).toBeGreaterThan(1);
      expect(result.measurements.length).toBeLessThanOrEqual(MAX_CANDIDATES);
      expect(result.measurements[0].tuning).toEqual(result.heuristic);
      expect(result.measurements.filter((m) => m.medianMs !== null).map((m) => m.tuning)).toContainEqual(result.choice);
      expect(fresh.kernels.memory()).toMatchObject({ liveTensors: 0, usedBytes: 0 });
    } finally {
      fresh.dispose();
    }
  });

  it('refuses bad shapes and options with typed errors', async () => {
    const bad: [unknown, unknown, string][] = [
      ['shapes', undefined, 'shapes'],
      [[null], undefined, 'shapes[0]'],
      [[{ ...SHAPE, B: 0 }], undefined, 'shapes[0].B'],
      [[{ ...SHAPE, D: 2.5 }], undefined, 'shapes[0].D'],
      [[SHAPE], { runs: 0 }, 'options.runs'],
      [[SHAPE], { budgetMs: -1 }, 'options.budgetMs'],
      [[SHAPE], { force: 1 }, 'options.force'],
      [[{ ...SHAPE, mask: 'soft' }], undefined, 'shapes[0].mask'],
      [[{ ...SHAPE, window: 5 }], undefined, 'shapes[0].window'],
      [[{ ...SHAPE, window: { left: -1 } }], undefined, 'shapes[0].window.left'],
      [[{ ...SHAPE, window: { right: 1.5 } }], undefined, 'shapes[0].window.right'],
    ];
    for (const [shapes, options, argument] of bad) {
      await expect(backend.tune(shapes as never, options as never)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        argument,
      });
    }
    await expect(backend.tune([{ ...SHAPE, T: 2 ** 40 }])).rejects.toMatchObject({ code: 'DEVICE_LIMIT' });
  });

  it('rejects with DISPOSED after dispose, and when disposed while it runs', async () => {
    const other = await createBackend();
    const { autotuner } = internals(other);
    autotuner.candidates = () => CANDIDATES;
    const running = other.tune([SHAPE], { runs: 3 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    other.dispose();
    await expect(running).rejects.toMatchObject({ code: 'DISPOSED' });
    await expect(other.tune([SHAPE])).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});

describe('scheduled tuning', () => {
  it('runs the heuristic for the call in flight, then tunes the class when idle', async () => {
    const backend = await createBackend({ autotune: true });
    try {
      const { autotuner, gpu } = internals(backend);
      const timed: AttentionTuning[] = [];
      autotuner.timer = fakeTimer(timed);
      autotuner.candidates = () => CANDIDATES;
      const heuristic = backend.attentionTuning(SHAPE);
      await attentionOnce(backend);
      expect(gpu.pipelines.keys().some((k) => k.includes(':kb5:r3:'))).toBe(false);
      await until(() => backend.tuningCache().entries.length > 0);
      expect(backend.attentionTuning(SHAPE)).toEqual(ODD);
      expect(heuristic).not.toEqual(ODD);
      await attentionOnce(backend);
      expect(gpu.pipelines.keys().some((k) => k.startsWith('attention-stream:registers:wg16:kb5:r3:s:'))).toBe(true);
      expect(backend.kernels.memory()).toMatchObject({ liveTensors: 0, usedBytes: 0 });
    } finally {
      backend.dispose();
    }
  });

  it('survives dispose before and during scheduled tuning', async () => {
    for (const wait of [0, 30, 150]) {
      const backend = await createBackend({ autotune: true });
      const { autotuner } = internals(backend);
      autotuner.candidates = () => CANDIDATES;
      await attentionOnce(backend);
      await new Promise((resolve) => setTimeout(resolve, wait));
      backend.dispose();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(backend.isDisposed).toBe(true);
    }
  });
});

describe('the chosen variant on the conformance fast tier', () => {
  let backend: WebGpuBackend;
  let chosen: AttentionTuning;
  const context = new RunContext();
  beforeAll(async () => {
    const tuner = await createBackend();
    internals(tuner).autotuner.timer = fakeTimer([]);
    internals(tuner).autotuner.candidates = () => CANDIDATES;
    [{ choice: chosen }] = await tuner.tune([SHAPE], { runs: 1 });
    tuner.dispose();
    backend = await createBackend({ tuning: { attention: chosen } });
  });
  afterAll(() => {
    context.dispose();
    backend?.dispose();
  });

  it('is the odd variant', () => {
    expect(chosen).toEqual(ODD);
  });
  for (const c of listCases('fast').filter((c) => c.kind !== 'primitive')) {
    it(c.id, async () => {
      const result = await runCase(backend, c, context);
      expect(result.status, result.message).toBe('pass');
    });
  }
});
