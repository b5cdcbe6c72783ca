import { type DeviceTensor, defaultAlibiSlopes } from '@attnkit/core';
import type { Ops } from '../scope.js';

/**
 * Masks for right-padded batches: row b holds lengths[b] real tokens followed by padding.
 *
 * KeyPadding: how an attention call hides padded keys: the contract's kvValidLengths [B] (int32), which kernels
 * that work in key blocks use to skip the blocks past a row's length, or, with ALiBi, the additive mask below.
 * keyPaddingMask: boolean [B, 1, 1, S], 1 where key j < lengths[b]; it broadcasts over heads and queries.
 * The models use kvValidLengths instead (same keys hidden, fewer keys visited); it stays for callers who want
 * the mask itself.
 * symmetricAlibiMask: additive [B, H, S, S] = −slope_h·|i − j|, −∞ on padded keys. The contract's `alibi`
 * option measures −slope·(i + offset − j), which is the causal form; a bidirectional encoder needs the
 * symmetric distance, so it is materialized here (S is small for an encoder input).
 */
export interface KeyPadding {
  /** [B] int32: keys at index ≥ validLengths[b] are hidden in row b. */
  readonly validLengths?: DeviceTensor;
  /** An attention mask that already hides them (the symmetric ALiBi bias). */
  readonly mask?: DeviceTensor;
}

/** The valid lengths of right-padded rows, or undefined when no row is padded. */
export function keyValidLengths(ops: Ops, lengths: readonly number[], S: number): DeviceTensor | undefined {
  return lengths.every((l) => l === S) ? undefined : ops.upload(Int32Array.from(lengths), [lengths.length]);
}

export function keyPaddingMask(ops: Ops, lengths: readonly number[], S: number): DeviceTensor {
  const data = new Uint8Array(lengths.length * S);
  lengths.forEach((length, b) => {
    data.fill(1, b * S, b * S + length);
  });
  return ops.upload(data, [lengths.length, 1, 1, S]);
}

export function symmetricAlibiMask(ops: Ops, lengths: readonly number[], S: number, heads: number): DeviceTensor {
  const slopes = defaultAlibiSlopes(heads);
  const data = new Float32Array(lengths.length * heads * S * S);
  lengths.forEach((length, b) => {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < S; i++) {
        const row = ((b * heads + h) * S + i) * S;
        for (let j = 0; j < S; j++)
          data[row + j] = j < length ? -slopes[h] * Math.abs(i - j) : Number.NEGATIVE_INFINITY;
      }
    }
  });
  return ops.upload(data, [lengths.length, heads, S, S]);
}
