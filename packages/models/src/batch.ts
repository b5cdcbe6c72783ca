import type { DeviceTensor } from '@attnkit/core';
import { argumentError } from './errors.js';
import type { Ops } from './scope.js';

/** Token id rows padded on the right to one length S, as the models take them. */
export interface TokenBatch {
  /** int32 [B, S] */
  readonly ids: DeviceTensor;
  readonly lengths: readonly number[];
  readonly S: number;
}

export function padBatch(ops: Ops, rows: readonly (readonly number[])[], padId: number, vocabSize: number): TokenBatch {
  if (!Array.isArray(rows) || rows.length === 0)
    throw argumentError('padBatch', 'rows', 'must be a non-empty array of token id arrays');
  const S = Math.max(...rows.map((r) => r.length));
  if (S === 0) throw argumentError('padBatch', 'rows', 'must hold at least one token');
  const data = new Int32Array(rows.length * S).fill(padId);
  rows.forEach((row, b) => {
    row.forEach((id: number, i: number) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
        throw argumentError('padBatch', `rows[${b}][${i}]`, `must be a token id in [0, ${vocabSize}), got ${id}`);
      data[b * S + i] = id;
    });
  });
  return { ids: ops.upload(data, [rows.length, S]), lengths: rows.map((r) => r.length), S };
}
