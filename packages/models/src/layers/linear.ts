import type { DeviceTensor } from '@attnkit/core';
import type { Ops } from '../scope.js';
import type { Weights } from '../weights/load.js';

/** y = x·W + b with W [in, out] shared by every batch entry. */
export class Linear {
  constructor(
    readonly weight: DeviceTensor<'float32'>,
    readonly bias: DeviceTensor<'float32'>,
  ) {}

  static from(weights: Weights, prefix: string): Linear {
    return new Linear(weights.get(`${prefix}.weight`), weights.get(`${prefix}.bias`));
  }

  forward(ops: Ops, x: DeviceTensor): DeviceTensor<'float32'> {
    return ops.matmul(x, this.weight, { bias: this.bias });
  }
}
