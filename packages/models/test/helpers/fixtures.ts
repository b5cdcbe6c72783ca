import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ModelConfig, type ModelFiles, randomWeights, writeSafetensors } from '../../src/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');
export type FixtureName = 'translator-tiny' | 'translator-alibi' | 'classifier-tiny';

/** The three files of a committed fixture, parsed where JSON, so a test can corrupt one of them. */
export function fixtureFiles(name: FixtureName): {
  config: Record<string, unknown>;
  tokenizer: Record<string, unknown>;
  weights: Uint8Array;
} {
  const dir = join(FIXTURES, name);
  return {
    config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
    tokenizer: JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')),
    weights: new Uint8Array(readFileSync(join(dir, 'model.safetensors'))),
  };
}

export function asModelFiles(files: { config: unknown; tokenizer: unknown; weights: Uint8Array }): ModelFiles {
  return {
    'config.json': JSON.stringify(files.config),
    'tokenizer.json': JSON.stringify(files.tokenizer),
    'model.safetensors': files.weights,
  };
}

/** A model folder in memory with seeded random weights for any config (the fixture's tokenizer when it fits). */
export function randomModelFiles(config: ModelConfig, seed: number, tokenizer: unknown): ModelFiles {
  const weights = randomWeights(config, seed);
  if (config.model_type === 'attnkit-seq2seq') {
    for (let i = 0; i < weights['lm_head.weight'].data.length; i++) weights['lm_head.weight'].data[i] *= 3;
    weights['lm_head.bias'].data[config.eos_token_id] = 2;
  }
  return asModelFiles({ config, tokenizer, weights: writeSafetensors(weights) });
}
