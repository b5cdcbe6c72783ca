import { mulberry32 } from '@attnkit/core';
import type { ModelConfig } from '../config.js';
import { weightSpec } from './spec.js';

/**
 * Seeded random weights for every tensor a config needs: fixtures, tests and benchmarks. Matrices are
 * uniform in ±√(6 / (in + out)) (Glorot), embeddings in ±1, biases in ±0.1, layer-norm gains 1 ± 0.1.
 */
export function randomWeights(
  config: ModelConfig,
  seed: number,
): Record<string, { shape: number[]; data: Float32Array }> {
  const next = mulberry32(seed);
  const uniform = (a: number) => (2 * next() - 1) * a;
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, shape] of weightSpec(config)) {
    const size = shape.reduce((p, d) => p * d, 1);
    const data = new Float32Array(size);
    const isNorm = name.includes('layer_norm') || name.endsWith('_norm.weight') || name.endsWith('_norm.bias');
    for (let i = 0; i < size; i++) {
      if (name.startsWith('embed_')) data[i] = uniform(1);
      else if (isNorm && name.endsWith('.weight')) data[i] = 1 + uniform(0.1);
      else if (name.endsWith('.bias')) data[i] = uniform(0.1);
      else data[i] = uniform(Math.sqrt(6 / (shape[0] + shape[1])));
    }
    out[name] = { shape: [...shape], data };
  }
  return out;
}

/** The workspace's seeded generator (mulberry32, from core), re-exported for the zoo and the demo. */
export { mulberry32 };
