/** Order statistics of a list of timings (ms). The median of an even count is the mean of the middle two. */
export interface Summary {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly runs: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summarize: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { medianMs, minMs: sorted[0], maxMs: sorted[sorted.length - 1], runs: sorted.length };
}

/** flops / ms → GFLOP/s. */
export function gflopsPerSecond(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}
