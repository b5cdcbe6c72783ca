import type { Storage } from '../tensor.js';

/** A kernel argument: a stored tensor (passed as its texture), a float uniform, or a small host array. */
export type Arg = Storage | number | Float32Array;

/**
 * Runs (building on first use) the kernel `source` with a flat output of `size` elements, or a packed 2D
 * output of [width, height] texels.
 */
export type Launch = (source: string, size: number | readonly [number, number], args: readonly Arg[]) => Storage;
