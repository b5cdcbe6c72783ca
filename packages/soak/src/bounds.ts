const MiB = 2 ** 20;

/**
 * The bounds a soak run must hold, measured from the post-warm-up baseline: after the warm-up calls, short
 * decodes, one decode step at the largest cache the run reaches and one cache growth, then a garbage
 * collection.
 */
export const BOUNDS = {
  /** Tensors alive at the end, by core's `memory()` (and tfjs's engine count back to its baseline). */
  liveTensors: 0,
  /**
   * Bytes in use at the end minus bytes in use at the baseline, by the backend's own accounting: every tensor
   * and scratch buffer of a call is released, so this is exact.
   */
  inUseGrowthBytes: 0,
  /**
   * Bytes held (in use plus kept free for reuse: a buffer pool's free lists, a heap's free blocks): at the
   * end, at most this much above the baseline, and at most this much kept for reuse (held minus in use, an
   * absolute figure, because the warm-up already grew a cache once). A pool may keep freed memory, but a
   * constant amount, not one buffer per size class a growing KV cache passed through: 64 MiB is eight times
   * the largest tensor the soak makes (an 8 MiB cache) and the RSS budget.
   */
  retainedBytes: 64 * MiB,
  /**
   * Compiled kernels or pipelines a backend holds, at any point of the run. A program needs a handful per
   * feature combination it uses; a cache keyed by exact sizes, or by every combination of head size and
   * options a varied workload draws, without eviction, passes 512 in a 10,000-call mix or a 2,048-step decode.
   * A cache with an eviction bound (gpu.js: 256 kernels) stays under it.
   */
  kernelsLive: 512,
  /**
   * Kernels or pipelines compiled during the two decodes and the cache growth (after the baseline, which
   * already saw short decodes and a step at the final length): a decode of any length may compile a bounded
   * set (one per size bucket: log2 of 2,048 is 11, times the kernels of a step), never one per step.
   */
  kernelsCompiledInDecodes: 128,
  /**
   * Process RSS at the end minus RSS at the baseline, both after a garbage collection. `pnpm soak` and the
   * short tier run with MALLOC_MMAP_THRESHOLD_=131072: glibc then maps every block of 128 KiB or more on its own
   * and unmaps it when freed, instead of raising the threshold and keeping freed tensors' memory in the heap,
   * so RSS growth is memory still held, not the allocator's high-water mark (which added 35-85 MiB here).
   */
  rssGrowthBytes: 64 * MiB,
} as const;

export { MiB };
