import type { LaunchOptions } from '../kernel-cache.js';
import type { Storage } from '../tensor.js';

export type { LaunchOptions };

/** A kernel argument: a stored tensor (passed as its texture), a float uniform, or a small host array. */
export type Arg = Storage | number | Float32Array;

/**
 * Runs (building on first use) the kernel `source` with a flat output of `size` elements, or a packed 2D
 * output of [width, height] texels. `options.dynamic`: the source takes its sizes as arguments, so one
 * kernel serves every size (see LaunchOptions).
 */
export type Launch = (
  source: string,
  size: number | readonly [number, number],
  args: readonly Arg[],
  options?: LaunchOptions,
) => Storage;

/** The uniforms every attention kernel receives last (withLengths): T, P and the diagonal rule's base. */
export const LENGTH_PARAMS = ['lenT', 'lenP', 'diagBase'] as const;

/**
 * `launch` for one attention call's passes: every kernel gets the call's lengths as its last arguments, the
 * uniforms `lenT` (T = P + Skv keys), `lenP` (P past keys) and `diagBase` (plan.diagonal.base, which grows
 * with T under bottom-right alignment), appended to its source's parameters here so that the generators
 * only read them. A kernel that names no other length then compiles once for a KV cache of every length:
 * it is built with gpu.js's dynamic output and argument sizes, and with its loops over a length bounded
 * by LOOP_MAX ≥ T (LaunchOptions.loops).
 */
export function withLengths(
  launch: Launch,
  plan: { readonly T: number; readonly P: number; readonly diagonal: { readonly base: number } },
): Launch {
  const lengths = [plan.T, plan.P, plan.diagonal.base];
  const options: LaunchOptions = { dynamic: true, loops: plan.T };
  return (source, size, args, own) =>
    launch(appendParams(source, LENGTH_PARAMS), size, [...args, ...lengths], own ?? options);
}

/** `function(a, b) {…}` → `function(a, b, …extra) {…}`: the form `kernel()` (source.ts) writes. */
function appendParams(source: string, extra: readonly string[]): string {
  const open = source.indexOf('(');
  const close = source.indexOf(')');
  if (!source.startsWith('function') || open < 0 || close < open) throw new Error('withLengths: not a kernel() source');
  const params = source.slice(open + 1, close).trim();
  return `${source.slice(0, open + 1)}${[...(params ? [params] : []), ...extra].join(', ')}${source.slice(close)}`;
}
