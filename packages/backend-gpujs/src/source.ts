/**
 * Helpers that write gpu.js kernel sources. Sizes are baked in as literals (one kernel per shape signature),
 * so loops have constant bounds and index arithmetic folds, except sequence lengths that grow call after
 * call (a KV cache): those are float uniforms, and the helpers take a size either as a number (a literal)
 * or as the name of a uniform or an expression over uniforms. Index math is done in float, which is exact for
 * integers below 2^24: a quotient is taken as ⌊(x + 0.5) / n⌋, which stays right where x / n rounds down.
 */

/** A size: a number, written as a literal, or a float expression over the kernel's uniforms. */
export type Size = number | string;

/** A float literal for GLSL, as gpu.js reads it (`3` would be typed Integer). */
export function lit(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`lit: ${n} is not finite`);
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

/** A size as a float expression: a literal for a number, the expression itself otherwise. */
export function size(n: Size): string {
  return typeof n === 'number' ? lit(n) : `(${n})`;
}

/** ⌊x / n⌋ for a non-negative integer-valued float x and a size n. */
export function quotient(x: string, n: Size): string {
  return n === 1 ? `(${x})` : `Math.floor((${x} + 0.5) / ${size(n)})`;
}

/**
 * Declares one float per axis of a row-major `dims`, decomposing `flat` (default: the thread's index).
 * Axes named '_' are skipped.
 */
export function unflatten(names: readonly string[], dims: readonly Size[], flat = 'this.thread.x * 1.0'): string {
  const lines = [`let rest_ = ${flat};`];
  for (let axis = dims.length - 1; axis > 0; axis--) {
    const d = dims[axis];
    if (names[axis] !== '_') lines.push(`const ${names[axis]} = rest_ - ${quotient('rest_', d)} * ${size(d)};`);
    lines.push(`rest_ = ${quotient('rest_', d)};`);
  }
  if (names[0] !== '_') lines.push(`const ${names[0]} = rest_;`);
  return lines.join('\n');
}

/** Σ index_k · stride_k as a float expression, dropping zero strides. */
export function dot(names: readonly string[], strides: readonly number[]): string {
  const terms = names.flatMap((name, k) =>
    strides[k] === 0 ? [] : [strides[k] === 1 ? name : `${name} * ${lit(strides[k])}`],
  );
  return terms.length ? terms.join(' + ') : '0.0';
}

export function kernel(params: readonly string[], body: string): string {
  return `function(${params.join(', ')}) {\n${body}\n}`;
}

/**
 * tanh without overflow: (1 − e^(−2|x|)) / (1 + e^(−2|x|)), and its odd series below 0.3 where that
 * quotient would cancel. Declares `out`.
 */
export function tanhInto(out: string, x: string): string {
  return `const ax_${out} = Math.abs(${x});
const e_${out} = Math.exp(-2.0 * ax_${out});
let t_${out} = (1.0 - e_${out}) / (1.0 + e_${out});
if (ax_${out} < 0.3) {
  const x2_${out} = ax_${out} * ax_${out};
  t_${out} = ax_${out} * (1.0 - x2_${out} * (0.3333333333 - x2_${out} * (0.1333333333 - x2_${out} * (0.0539682540 - x2_${out} * 0.0218694885))));
}
const ${out} = ${x} < 0.0 ? -t_${out} : t_${out};`;
}

/**
 * `for (k = 0; k < count; k++) body(k)`, unrolled by `unroll` with a plain loop for the rest. Software
 * WebGL JITs (SwiftShader's Subzero) do not unroll, and a short body pays the loop's bookkeeping on every
 * turn. `body` receives an integer expression for the index.
 */
export function unrolledLoop(index: string, count: Size, unroll: number, body: (k: string) => string): string {
  if (typeof count === 'string') return unrolledLoopTo(index, count, unroll, body);
  // Short loops stay plain: unrolling them only lengthens the shader and its compile.
  if (count < 4 * unroll) unroll = 1;
  const full = Math.floor(count / unroll);
  const lines: string[] = [];
  if (full > 0) {
    lines.push(`for (let ${index}u = 0; ${index}u < ${full}; ${index}u++) {`);
    for (let n = 0; n < unroll; n++) lines.push(body(`(${index}u * ${unroll} + ${n})`));
    lines.push('}');
  }
  if (full * unroll < count)
    lines.push(`for (let ${index} = ${full * unroll}; ${index} < ${count}; ${index}++) {`, body(index), '}');
  return lines.join('\n');
}

/**
 * unrolledLoop for a count that is a uniform expression: `unroll` bodies per turn while a whole turn fits,
 * then one at a time. Both loops are bounded by gpu.js's LOOP_MAX (LaunchOptions.loops).
 */
function unrolledLoopTo(index: string, count: string, unroll: number, body: (k: string) => string): string {
  if (unroll <= 1) return [`for (let ${index} = 0; ${index} < ${count}; ${index}++) {`, body(index), '}'].join('\n');
  const full = `${index}Full`;
  const lines = [
    `const ${full} = Math.floor((${count}) / ${lit(unroll)});`,
    `for (let ${index}u = 0; ${index}u < ${full}; ${index}u++) {`,
  ];
  for (let n = 0; n < unroll; n++) lines.push(body(`(${index}u * ${unroll} + ${n})`));
  lines.push('}', `for (let ${index} = ${full} * ${lit(unroll)}; ${index} < ${count}; ${index}++) {`, body(index), '}');
  return lines.join('\n');
}
