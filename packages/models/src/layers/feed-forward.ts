import type { DeviceTensor } from '@attnkit/core';
import type { Activation } from '../config.js';
import type { Ops } from '../scope.js';
import type { Weights } from '../weights/load.js';
import { Linear } from './linear.js';

/** fc2(act(fc1(x))), act = ReLU or the exact GELU. */
export class FeedForward {
  constructor(
    readonly fc1: Linear,
    readonly fc2: Linear,
    readonly activation: Activation,
  ) {}

  static from(weights: Weights, prefix: string, activation: Activation): FeedForward {
    return new FeedForward(Linear.from(weights, `${prefix}.fc1`), Linear.from(weights, `${prefix}.fc2`), activation);
  }

  forward(ops: Ops, x: DeviceTensor): DeviceTensor<'float32'> {
    const h = this.fc1.forward(ops, x);
    return this.fc2.forward(ops, this.activation === 'relu' ? ops.relu(h) : ops.gelu(h));
  }
}
