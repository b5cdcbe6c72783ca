import type { Device, DeviceTensor } from '@attnkit/core';
import type { TransformerConfig } from '../config.js';
import { argumentError } from '../errors.js';
import type { Ops } from '../scope.js';
import type { Weights } from '../weights/load.js';

/**
 * Token embeddings plus absolute positions: a sinusoidal table (Vaswani et al.) computed here, or a learned
 * table from the weights. ALiBi models add nothing here: their positions live in the attention scores.
 */
export class Embeddings {
  private constructor(
    readonly tokens: DeviceTensor<'float32'>,
    /** [max_positions, d], or null with ALiBi. */
    readonly positions: DeviceTensor<'float32'> | null,
    /** The sinusoidal table is made here, so it is owned here (learned tables belong to the weights). */
    private readonly ownsPositions: boolean,
    readonly maxPositions: number,
  ) {}

  static create(device: Device, weights: Weights, config: TransformerConfig): Embeddings {
    const tokens = weights.get('embed_tokens.weight');
    if (config.positions === 'learned')
      return new Embeddings(tokens, weights.get('embed_positions.weight'), false, config.max_positions);
    if (config.positions === 'alibi') return new Embeddings(tokens, null, false, Number.POSITIVE_INFINITY);
    const table = device.upload(sinusoidalTable(config.max_positions, config.d_model), [
      config.max_positions,
      config.d_model,
    ]);
    return new Embeddings(tokens, table, true, config.max_positions);
  }

  /** ids int32 [B, S] at positions start … start + S − 1 → [B, S, d]. */
  forward(ops: Ops, ids: DeviceTensor, start: number): DeviceTensor<'float32'> {
    const tokens = ops.gather(this.tokens, ids);
    if (!this.positions) return ops.dropout(tokens);
    const length = ids.shape[ids.shape.length - 1];
    if (start + length > this.maxPositions) {
      throw argumentError(
        'Embeddings',
        'positions',
        `${start}…${start + length - 1} go beyond max_positions = ${this.maxPositions}`,
      );
    }
    const positionIds = ops.upload(
      Int32Array.from({ length }, (_, i) => start + i),
      [length],
    );
    return ops.dropout(ops.add(tokens, ops.gather(this.positions, positionIds)));
  }

  dispose(device: Device): void {
    if (this.ownsPositions) device.dispose(this.positions);
  }
}

/** pe[p, 2i] = sin(p / 10000^(2i/d)), pe[p, 2i+1] = cos(p / 10000^(2i/d)). */
export function sinusoidalTable(positions: number, width: number): Float32Array {
  const table = new Float32Array(positions * width);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < width / 2; i++) {
      const angle = p / 10000 ** ((2 * i) / width);
      table[p * width + 2 * i] = Math.sin(angle);
      table[p * width + 2 * i + 1] = Math.cos(angle);
    }
  }
  return table;
}
