import type { DeviceTensor } from '@attnkit/core';
import type { Ops } from '../scope.js';
import type { Weights } from '../weights/load.js';

export class LayerNorm {
  constructor(
    readonly gamma: DeviceTensor<'float32'>,
    readonly beta: DeviceTensor<'float32'>,
    readonly epsilon: number,
  ) {}

  static from(weights: Weights, prefix: string, epsilon: number): LayerNorm {
    return new LayerNorm(weights.get(`${prefix}.weight`), weights.get(`${prefix}.bias`), epsilon);
  }

  forward(ops: Ops, x: DeviceTensor): DeviceTensor<'float32'> {
    return ops.layerNorm(x, this.gamma, this.beta, this.epsilon);
  }
}
