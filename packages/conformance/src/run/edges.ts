import {
  type AttentionOptions,
  attention,
  type Backend,
  type HostAttentionInputs,
  type HostAttentionOutputs,
  isAttnkitError,
} from '@attnkit/core';
import type { Comparison } from '../compare.js';
import { type AttentionSpec, type Poison, totalKeys, valueWidth } from '../spec.js';

/**
 * The edge cases of CONTRACT.md ("Edges"): poisoned inputs, the host API's refusals, and which output
 * elements the contract leaves unspecified when a non-finite value reaches the kernels through the device API.
 */

/**
 * The inputs with each poison written over its element (on copies: the generated call is left as it was). A
 * boolean mask takes bytes (any byte other than 0 may attend).
 */
export function poisoned(inputs: HostAttentionInputs, poison: readonly Poison[] | undefined): HostAttentionInputs {
  if (!poison || poison.length === 0) return inputs;
  const out: Record<string, unknown> = { ...inputs };
  for (const p of poison) {
    const t = out[p.input] as { data: Float32Array | Uint8Array; shape: readonly number[] } | undefined;
    if (!t) throw new Error(`poison: the case has no input ${p.input}`);
    if (t.data instanceof Uint8Array && !(Number.isInteger(p.value) && p.value >= 0 && p.value < 256))
      throw new Error(`poison: a boolean mask holds bytes, not ${p.value}`);
    if (p.at < 0 || p.at >= t.data.length) throw new Error(`poison: ${p.input}[${p.at}] is out of bounds`);
    const data = t.data.slice();
    data[p.at] = p.value;
    out[p.input] = { ...t, data };
  }
  return out as unknown as HostAttentionInputs;
}

/**
 * The host API must refuse the call with `rejects` (code and argument) before any work: the backend's live
 * tensor count is unchanged. UNSUPPORTED is passed on, so that an undeclared feature still reads as such.
 */
export async function expectRejection(
  cmp: Comparison,
  backend: Backend,
  inputs: HostAttentionInputs,
  options: AttentionOptions,
  rejects: NonNullable<AttentionSpec['rejects']>,
): Promise<void> {
  const live = backend.kernels.memory().liveTensors;
  try {
    await attention(backend, inputs, options);
    cmp.fail(`expected ${rejects.code} naming ${rejects.argument}, but the call succeeded`);
    return;
  } catch (error) {
    if (isAttnkitError(error, 'UNSUPPORTED') && rejects.code !== 'UNSUPPORTED') throw error;
    if (!isAttnkitError(error)) {
      cmp.fail(`expected AttnkitError ${rejects.code} naming ${rejects.argument}, got ${String(error)}`);
    } else if (error.code !== rejects.code || error.argument !== rejects.argument) {
      cmp.fail(
        `expected ${rejects.code} naming ${rejects.argument}, got ${error.code} naming ${error.argument}: ${error.message}`,
      );
    }
  }
  const after = backend.kernels.memory().liveTensors;
  if (after !== live) cmp.fail(`the refused call left ${after - live} tensors behind (nothing may be queued)`);
}

/**
 * Output elements that read a poisoned input, which the contract leaves unspecified: a row (b, h, i) of y and
 * scores reads its q row, every key and value row of its batch entry and key/value head (past included) and
 * its mask row; an element of presentKey/presentValue reads only the element it copies. 4D layouts only.
 */
export interface Unspecified {
  /** 1 where row (b, h, i) of y and scores is unspecified, laid out [B, Hq, Sq]. */
  readonly rows: Uint8Array;
  readonly presentKey: Set<number>;
  readonly presentValue: Set<number>;
}

export function unspecified(spec: AttentionSpec, inputs: HostAttentionInputs): Unspecified {
  const { B, Hq, Hkv, Sq, Skv, D } = spec;
  if (spec.layout === '3d') throw new Error('poison: only 4D cases may poison their inputs');
  const P = spec.P ?? 0;
  const T = totalKeys(spec);
  const Dv = valueWidth(spec);
  const group = Hq / Hkv;
  const rows = new Uint8Array(B * Hq * Sq);
  const result = { rows, presentKey: new Set<number>(), presentValue: new Set<number>() };
  const rowsOfKvHead = (b: number, kvh: number) => {
    for (let h = kvh * group; h < (kvh + 1) * group; h++) rows.fill(1, (b * Hq + h) * Sq, (b * Hq + h + 1) * Sq);
  };
  for (const p of nonFinitePoison(spec)) {
    switch (p.input) {
      case 'q': {
        rows[Math.floor(p.at / D)] = 1;
        break;
      }
      case 'k':
      case 'v':
      case 'pastKey':
      case 'pastValue': {
        const width = p.input === 'k' || p.input === 'pastKey' ? D : Dv;
        const length = p.input === 'k' || p.input === 'v' ? Skv : P;
        const [b, kvh, j, d] = unravel(p.at, [B, Hkv, length, width]);
        rowsOfKvHead(b, kvh);
        const present = p.input === 'k' || p.input === 'pastKey' ? result.presentKey : result.presentValue;
        present.add(((b * Hkv + kvh) * T + (p.input === 'k' || p.input === 'v' ? P + j : j)) * width + d);
        break;
      }
      case 'mask': {
        const mask = inputs.mask!;
        const shape4 = [...new Array<number>(4 - mask.shape.length).fill(1), ...mask.shape];
        const at = unravel(p.at, shape4);
        for (let b = 0; b < B; b++)
          for (let h = 0; h < Hq; h++)
            for (let i = 0; i < Sq; i++) {
              const reads = [b, h, i].every((index, axis) => shape4[axis] === 1 || at[axis] === index);
              if (reads) rows[(b * Hq + h) * Sq + i] = 1;
            }
        break;
      }
    }
  }
  return result;
}

/** The poisons that write NaN or ±∞: the ones whose readers the contract leaves unspecified on the device. */
export function nonFinitePoison(spec: AttentionSpec): readonly Poison[] {
  return (spec.poison ?? []).filter((p) => !Number.isFinite(p.value));
}

/** Copies of the outputs with every unspecified element set to 0, so that the rest compares as usual. */
export function withoutUnspecified(outputs: HostAttentionOutputs, what: Unspecified): HostAttentionOutputs {
  const out: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(outputs)) {
    if (!t) continue;
    const data = (t.data as Float32Array).slice();
    if (name === 'y' || name === 'scores') {
      const width = what.rows.length === 0 ? 0 : data.length / what.rows.length;
      what.rows.forEach((flag, row) => {
        if (flag) data.fill(0, row * width, (row + 1) * width);
      });
    } else {
      for (const at of name === 'presentKey' ? what.presentKey : what.presentValue) data[at] = 0;
    }
    out[name] = { data, shape: t.shape };
  }
  return out as unknown as HostAttentionOutputs;
}

function unravel(at: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  let rest = at;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = rest % shape[axis];
    rest = Math.floor(rest / shape[axis]);
  }
  return index;
}
