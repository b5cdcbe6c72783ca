import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ModelConfig, type ModelFiles, writeSafetensors } from '@attnkit/models';
import type { HostTensors } from './parameters.js';

/** The model folder of the models package: config.json, model.safetensors, tokenizer.json. */
export function modelFiles(config: ModelConfig, tokenizer: Record<string, unknown>, params: HostTensors): ModelFiles {
  return {
    'config.json': { ...config },
    'tokenizer.json': tokenizer,
    'model.safetensors': writeSafetensors(params, { format: 'pt', producer: '@attnkit/zoo' }),
  };
}

/** A model folder's training record (training.json, written by the trainer at export), or null when it has none. */
export function readTrainingRecord(folder: string): Record<string, unknown> | null {
  const path = join(folder, 'training.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : null;
}

export async function writeModelFolder(dir: string, files: ModelFiles): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(files['config.json'], null, 2)}\n`);
  await writeFile(join(dir, 'tokenizer.json'), `${JSON.stringify(files['tokenizer.json'], null, 2)}\n`);
  await writeFile(join(dir, 'model.safetensors'), files['model.safetensors'] as Uint8Array);
}
