import { describe, expect, it } from 'vitest';
import { type CpuClock, processCpuMicros, waitUntilQuiet } from '../src/quiet.js';

/** A CPU clock that charges a full core of CPU for every ms of wall time until `busyUntil`, then nothing. */
function busyUntil(busyUntilMs: number): CpuClock {
  let cpu = 0;
  let last = performance.now();
  return () => {
    const now = performance.now();
    cpu += Math.max(0, Math.min(now, busyUntilMs) - last) * 1000;
    last = now;
    return cpu;
  };
}

const policy = { minMs: 0, maxMs: 1000, windowMs: 20, maxCoreShare: 0.1 };

describe('waitUntilQuiet', () => {
  it('waits out busy windows and returns at the first quiet one', async () => {
    const clock = busyUntil(performance.now() + 70);
    const r = await waitUntilQuiet(policy, clock);
    expect(r.quiet).toBe(true);
    // Three busy windows (a share of about 1, then one partly busy), then a quiet one.
    expect(r.waitedMs).toBeGreaterThanOrEqual(70);
  });

  it('gives up after maxMs and says so', async () => {
    const alwaysBusy = busyUntil(Number.POSITIVE_INFINITY);
    const r = await waitUntilQuiet({ ...policy, maxMs: 100 }, alwaysBusy);
    expect(r.quiet).toBe(false);
    expect(r.waitedMs).toBeGreaterThanOrEqual(100);
    expect(r.waitedMs).toBeLessThan(600);
  });

  it('only sleeps minMs where there is no CPU clock', async () => {
    const r = await waitUntilQuiet({ ...policy, minMs: 30 }, () => null);
    expect(r).toMatchObject({ quiet: true });
    expect(r.waitedMs).toBeGreaterThanOrEqual(29);
  });

  it('sees CPU burnt by this process', () => {
    const before = processCpuMicros()!;
    const end = performance.now() + 30;
    while (performance.now() < end);
    expect(processCpuMicros()! - before).toBeGreaterThan(10_000);
  });
});
