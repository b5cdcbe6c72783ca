import type { Device } from '@attnkit/core';
import { TextClassifier } from './classifier.js';
import { type ClassifierConfig, type ModelConfig, parseConfig, type TranslatorConfig } from './config.js';
import { loadError } from './errors.js';
import { Seq2SeqTranslator } from './seq2seq.js';
import { type LoadedFiles, type ModelSource, type ReadOptions, readModelFiles } from './source.js';
import { Tokenizer } from './tokenizer.js';
import { uploadWeights } from './weights/load.js';
import { readSafetensors } from './weights/safetensors.js';
import { weightSpecWithin } from './weights/spec.js';

/**
 * Loading validates the three files completely on the host (config, tokenizer, every tensor's name,
 * dtype and shape) before anything is uploaded; an upload that fails part-way releases what it made.
 */
export interface Loaded<M> {
  readonly model: M;
  readonly tokenizer: Tokenizer;
}

/** `progress` hears each file's 'initiate', 'progress' and 'done' (see LoadProgress); `signal` stops the reads. */
export type LoadOptions = ReadOptions;

export async function loadTranslator(
  device: Device,
  source: ModelSource,
  options: LoadOptions = {},
): Promise<Loaded<Seq2SeqTranslator>> {
  return buildTranslator(device, await readModelFiles(source, options));
}

export async function loadClassifier(
  device: Device,
  source: ModelSource,
  options: LoadOptions = {},
): Promise<Loaded<TextClassifier>> {
  return buildClassifier(device, await readModelFiles(source, options));
}

/** The translator of files already read: validated on the host, then uploaded. */
export function buildTranslator(device: Device, files: LoadedFiles): Loaded<Seq2SeqTranslator> {
  const config = parseConfig(files.config, 'attnkit-seq2seq');
  const tokenizer = Tokenizer.fromJSON(files.tokenizer);
  checkTokenizer(tokenizer, config);
  const file = readSafetensors(files.weights);
  const weights = uploadWeights(device, file, weightSpecWithin(config, file.tensors));
  return { model: construct(() => new Seq2SeqTranslator(device, config, weights), weights), tokenizer };
}

/** The classifier of files already read: validated on the host, then uploaded. */
export function buildClassifier(device: Device, files: LoadedFiles): Loaded<TextClassifier> {
  const config = parseConfig(files.config, 'attnkit-classifier');
  const tokenizer = Tokenizer.fromJSON(files.tokenizer);
  checkTokenizer(tokenizer, config);
  const file = readSafetensors(files.weights);
  const weights = uploadWeights(device, file, weightSpecWithin(config, file.tensors));
  return { model: construct(() => new TextClassifier(device, config, weights), weights), tokenizer };
}

function construct<M>(make: () => M, weights: { dispose(): void }): M {
  try {
    return make();
  } catch (error) {
    weights.dispose();
    throw error;
  }
}

/** The tokenizer must fit the embedding table and know the config's special tokens as special. */
export function checkTokenizer(tokenizer: Tokenizer, config: ModelConfig): void {
  if (tokenizer.vocabSize > config.vocab_size) {
    throw loadError(
      'tokenizer.json',
      'model.vocab',
      `has ids up to ${tokenizer.vocabSize - 1}, beyond vocab_size = ${config.vocab_size} of config.json`,
    );
  }
  const special: [string, number | undefined][] =
    config.model_type === 'attnkit-seq2seq'
      ? [
          ['pad_token_id', config.pad_token_id],
          ['bos_token_id', (config as TranslatorConfig).bos_token_id],
          ['eos_token_id', (config as TranslatorConfig).eos_token_id],
        ]
      : [
          ['pad_token_id', config.pad_token_id],
          ['cls_token_id', (config as ClassifierConfig).cls_token_id],
        ];
  for (const [key, id] of special) {
    if (id !== undefined && !tokenizer.isSpecial(id)) {
      throw loadError('tokenizer.json', 'added_tokens', `has no special token with id ${id} (${key} of config.json)`);
    }
  }
}
