import { describe, expect, it } from 'vitest';
import { attentionFlops, benchCase } from '../src/grid.js';
import { type CellPolicy, guardCell, measureCase, measureCell, RateHistory } from '../src/measure.js';
import type { PreparedCell, Target } from '../src/targets/target.js';

const small = benchCase({ group: 'sequence', Hq: 2, Sq: 8, T: 8, D: 4 });
const large = benchCase({ group: 'sequence', Hq: 2, Sq: 64, T: 64, D: 4 });
const policy: CellPolicy = { runs: 4, maxSecondsPerCell: 5, maxMemoryBytes: 2 ** 30 };

/** A target whose calls "take" the given times (a fake clock would be nicer; these are real, tiny waits). */
function fakeTarget(
  options: {
    scoreCopies?: number;
    unsupported?: string;
    fail?: Error;
    delaysMs?: number[];
    runsHeavyCases?: boolean;
    name?: string;
    /** Every call of the target's cell appends the target's name here. */
    log?: string[];
    /** The call (counted from 1, the first call included) that throws `fail`; every call without it. */
    failAt?: number;
  } = {},
) {
  const calls = { prepared: 0, runs: 0, disposed: 0, memory: 0 };
  const delays = [...(options.delaysMs ?? [])];
  const target: Target = {
    name: options.name ?? 'fake',
    label: options.name ?? 'fake',
    role: 'backend',
    family: 'javascript',
    runsOn: 'nowhere',
    scoreCopies: options.scoreCopies ?? 0,
    runsHeavyCases: options.runsHeavyCases,
    unsupported: () => options.unsupported ?? null,
    async prepare(): Promise<PreparedCell> {
      calls.prepared++;
      return {
        run: async () => {
          calls.runs++;
          options.log?.push(options.name ?? 'fake');
          if (options.fail && (options.failAt === undefined || calls.runs === options.failAt)) throw options.fail;
          const ms = delays.shift() ?? 0;
          if (ms) await new Promise((r) => setTimeout(r, ms));
        },
        measureMemory: async () => {
          calls.memory++;
          return 1234;
        },
        output: async () => new Float32Array(),
        dispose: () => {
          calls.disposed++;
        },
      };
    },
    async dispose() {},
  };
  return { target, calls };
}

describe('RateHistory', () => {
  it('scales linearly from the largest point not above the new cell, within 8× in flops', () => {
    const h = new RateHistory();
    expect(h.estimate(100)).toBeNull();
    h.record(100, 10);
    h.record(1000, 50);
    expect(h.estimate(4000)).toBe(200);
    expect(h.estimate(500)).toBe(50);
    expect(h.estimate(8000)).toBe(400);
    expect(h.estimate(8001)).toBeNull(); // too far: run it and see
    expect(h.estimate(10)).toBeNull(); // nothing below
  });
});

describe('guardCell', () => {
  it('reports unsupported features, the memory guard and the time estimate, with reasons', () => {
    const h = new RateHistory();
    expect(guardCell(fakeTarget({ unsupported: 'float16 not declared' }).target, small, policy, h)).toEqual({
      status: 'unsupported',
      reason: 'float16 not declared',
    });
    const mem = guardCell(fakeTarget({ scoreCopies: 3 }).target, small, { ...policy, maxMemoryBytes: 100 }, h);
    expect(mem?.status).toBe('skipped');
    expect(mem?.reason).toMatch(/^estimated memory .* GiB > .* GiB$/);
    h.record(attentionFlops(large) / 4, 2000);
    const slow = guardCell(fakeTarget().target, large, policy, h);
    expect(slow).toEqual({ status: 'skipped', reason: 'estimated 8.0 s > 5 s per cell' });
    // The estimate joins the history, so a sweep keeps extrapolating past skipped cells.
    expect(h.estimate(attentionFlops(large) * 4)).toBe(32000);
    expect(guardCell(fakeTarget().target, small, policy, new RateHistory())).toBeNull();
  });

  it('skips a heavy case unless the target declares it runs heavy cases', () => {
    const heavy = { ...small, heavy: true };
    expect(guardCell(fakeTarget().target, heavy, policy, new RateHistory())).toEqual({
      status: 'skipped',
      reason: 'heavy case (0 GFLOP): timed only on targets that finish it in seconds',
    });
    expect(guardCell(fakeTarget({ runsHeavyCases: true }).target, heavy, policy, new RateHistory())).toBeNull();
    // A feature the target lacks is the better reason.
    expect(
      guardCell(fakeTarget({ unsupported: 'float16 not declared' }).target, heavy, policy, new RateHistory())?.status,
    ).toBe('unsupported');
  });
});

describe('measureCell', () => {
  it('pauses quietMs before the cell, outside every timed call', async () => {
    const { target, calls } = fakeTarget({ delaysMs: [1, 1, 1, 1, 1] });
    const start = performance.now();
    const result = await measureCell(target, small, { ...policy, quietMs: 60 }, new RateHistory());
    expect(performance.now() - start).toBeGreaterThanOrEqual(59);
    expect(result.status).toBe('ok');
    expect(calls.prepared).toBe(1);
    // The pause is in no sample: each timed call took its own ~1 ms.
    expect(Math.max(...(result.samplesMs ?? [Number.POSITIVE_INFINITY]))).toBeLessThan(50);
  });

  it('times a first call apart, warms up once, then runs up to `runs` times and releases the cell', async () => {
    const { target, calls } = fakeTarget();
    // A budget no stall of a loaded machine can exhaust: the count of runs is then exact.
    const r = await measureCell(target, small, { ...policy, maxSecondsPerCell: 1e6 }, new RateHistory());
    expect(r.status).toBe('ok');
    expect(r.runs).toBe(4);
    expect(r.samplesMs).toHaveLength(4);
    expect(r.firstCallMs).toBeGreaterThanOrEqual(0);
    expect(r.trackedPeakBytes).toBe(1234);
    expect(r.minMs!).toBeLessThanOrEqual(r.medianMs!);
    expect(r.medianMs!).toBeLessThanOrEqual(r.maxMs!);
    expect(calls).toEqual({ prepared: 1, runs: 5, disposed: 1, memory: 1 });
  });

  it('skips with the time taken when the first call alone exceeds three cell budgets', async () => {
    const { target, calls } = fakeTarget({ delaysMs: [80] });
    const r = await measureCell(target, small, { ...policy, maxSecondsPerCell: 0.02 }, new RateHistory());
    expect(r.status).toBe('skipped');
    expect(r.reason).toMatch(/^first call took .* s > 0.06 s \(3× the cell budget\)$/);
    expect(calls.runs).toBe(1);
    expect(calls.disposed).toBe(1);
  });

  it('stops early when the budget runs out, keeping at least one timed run', async () => {
    const { target } = fakeTarget({ delaysMs: [60, 30, 30, 30, 30] }); // a slow first call (compile) is allowed
    const r = await measureCell(target, small, { ...policy, maxSecondsPerCell: 0.05 }, new RateHistory());
    expect(r.status).toBe('ok');
    // After one 30 ms run, 30 ms elapsed plus 30 ms expected exceed the 50 ms budget.
    expect(r.runs).toBe(1);
  });

  it('turns a failing call into an error result and still releases the cell', async () => {
    const { target, calls } = fakeTarget({ fail: new Error('kernel exploded\nstack') });
    const r = await measureCell(target, small, policy, new RateHistory());
    expect(r).toEqual({ target: 'fake', caseId: small.id, status: 'error', reason: 'kernel exploded' });
    expect(calls.disposed).toBe(1);
  });
});

describe('measureCase', () => {
  const unlimited = { ...policy, runs: 3, maxSecondsPerCell: 1e6 };

  it('opens every cell in turn, then times the calls in rounds: one call of each target per round', async () => {
    const log: string[] = [];
    const a = fakeTarget({ name: 'a', log });
    const b = fakeTarget({ name: 'b', log });
    const results = await measureCase([a.target, b.target], small, unlimited, () => new RateHistory());
    // First calls of a then b, then three rounds (the fake's warm-up reads memory without a call).
    expect(log).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
    expect(results.map((r) => [r.target, r.status, r.runs])).toEqual([
      ['a', 'ok', 3],
      ['b', 'ok', 3],
    ]);
    expect(a.calls.disposed + b.calls.disposed).toBe(2);
  });

  it('ends only the cell whose timed call fails; the others finish their rounds', async () => {
    const log: string[] = [];
    const a = fakeTarget({ name: 'a', log, fail: new Error('trap\nstack'), failAt: 3 });
    const b = fakeTarget({ name: 'b', log });
    const results = await measureCase([a.target, b.target], small, unlimited, () => new RateHistory());
    expect(log).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'b']);
    expect(results[0]).toEqual({ target: 'a', caseId: small.id, status: 'error', reason: 'trap' });
    expect(results[1].runs).toBe(3);
    expect(a.calls.disposed).toBe(1);
    expect(b.calls.disposed).toBe(1);
  });

  it('with quietMs, puts an untimed call of the same target before each short timed call', async () => {
    const log: string[] = [];
    const a = fakeTarget({ name: 'a', log });
    const b = fakeTarget({ name: 'b', log });
    const results = await measureCase(
      [a.target, b.target],
      small,
      { ...unlimited, runs: 2, quietMs: 1 },
      () => new RateHistory(),
    );
    expect(log).toEqual(['a', 'b', 'a', 'a', 'b', 'b', 'a', 'a', 'b', 'b']);
    expect(results.map((r) => r.runs)).toEqual([2, 2]);
  });

  it('keeps guarded targets out of the rounds, with their reasons, in the order of the targets', async () => {
    const log: string[] = [];
    const skipped = fakeTarget({ name: 's', log, unsupported: 'no float16' });
    const a = fakeTarget({ name: 'a', log });
    const results = await measureCase([skipped.target, a.target], small, unlimited, () => new RateHistory());
    expect(results.map((r) => r.status)).toEqual(['unsupported', 'ok']);
    expect(log.every((name) => name === 'a')).toBe(true);
    expect(skipped.calls.prepared).toBe(0);
  });
});
