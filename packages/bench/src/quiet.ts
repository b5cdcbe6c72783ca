/**
 * Waiting for the process to fall quiet before a measurement.
 *
 * A fixed pause is not enough: after a target's first call, V8 keeps compiling its WebAssembly in background
 * threads (onnxruntime-web's single-thread build kept one core busy for 1.2 s on the 2-core machine), and
 * onnxruntime's intra-op threads spin for tens of milliseconds after every call. Both run inside this process,
 * so the process's own CPU time sees them: we wait until a window passes with almost none used.
 */

export interface QuietPolicy {
  /** Always wait at least this long, ms. */
  readonly minMs: number;
  /** Give up waiting after this long, ms (the cell is then timed anyway; the wait is reported). */
  readonly maxMs: number;
  /** Length of one observation window, ms. */
  readonly windowMs: number;
  /** A window is quiet when the process used less than this share of one core in it. */
  readonly maxCoreShare: number;
}

export const DEFAULT_QUIET: Omit<QuietPolicy, 'minMs'> = { maxMs: 5000, windowMs: 100, maxCoreShare: 0.1 };

/** CPU time used by the whole process (every thread, V8's compilers included), µs; null where there is none (a page). */
export type CpuClock = () => number | null;

export const processCpuMicros: CpuClock = () => {
  if (typeof process === 'undefined' || typeof process.cpuUsage !== 'function') return null;
  const { user, system } = process.cpuUsage();
  return user + system;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sleeps `minMs`, then windows of `windowMs` until one is quiet or `maxMs` has passed. Returns the ms waited
 * and whether quiet was reached. Without a CPU clock (a browser) it only sleeps `minMs` and reports quiet.
 */
export async function waitUntilQuiet(
  policy: QuietPolicy,
  clock: CpuClock = processCpuMicros,
): Promise<{ waitedMs: number; quiet: boolean }> {
  const start = performance.now();
  if (policy.minMs > 0) await sleep(policy.minMs);
  const first = clock();
  if (first === null) return { waitedMs: performance.now() - start, quiet: true };
  let cpu = first;
  let wall = performance.now();
  // Each window starts where the last one ended: one clock reading per window, and no time between windows.
  for (;;) {
    await sleep(policy.windowMs);
    const cpuNow = clock() ?? cpu;
    const wallNow = performance.now();
    const busyShare = (cpuNow - cpu) / 1000 / (wallNow - wall);
    const waitedMs = wallNow - start;
    if (busyShare < policy.maxCoreShare) return { waitedMs, quiet: true };
    if (waitedMs >= policy.maxMs) return { waitedMs, quiet: false };
    cpu = cpuNow;
    wall = wallNow;
  }
}
