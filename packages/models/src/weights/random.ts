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

/** A small, fast, seedable PRNG (Tommy Ettinger's mulberry32) giving floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
