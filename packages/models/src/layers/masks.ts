import { type DeviceTensor, defaultAlibiSlopes } from '@attnkit/core';
import type { Ops } from '../scope.js';

/**
 * Masks for right-padded batches: row b holds lengths[b] real tokens followed by padding.
 *
 * keyPaddingMask: boolean [B, 1, 1, S], 1 where key j < lengths[b]; it broadcasts over heads and queries.
 * symmetricAlibiMask: additive [B, H, S, S] = −slope_h·|i − j|, −∞ on padded keys. The contract's `alibi`
 * option measures −slope·(i + offset − j), which is the causal form; a bidirectional encoder needs the
 * symmetric distance, so it is materialized here (S is small for an encoder input).
 */
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
