import { borrowTfTensor } from '@attnkit/backend-tfjs';
import { type Backend, createDevice } from '@attnkit/core';
import { type ModelConfig, Seq2SeqTranslator, TextClassifier, Weights } from '@attnkit/models';
import type { Parameters } from './parameters.js';

/**
 * The model a run trains: the @attnkit/models class its config names (what the pipelines load), built over
 * the run's tf.Variables borrowed into a tfjs device. The optimizer updates the variables in place, so the
 * model always computes with the current weights; tf.variableGrads around its forward gives their gradients.
 * `dispose()` releases the model's own tensors (its sinusoidal table, the borrowed wrappers), never the
 * variables, which the Parameters own.
 */
export type TrainedModel = Seq2SeqTranslator | TextClassifier;

export function modelOver(backend: Backend, config: ModelConfig, params: Parameters): TrainedModel {
  const device = createDevice(backend);
  const borrowed = new Map([...params.variables].map(([name, v]) => [name, borrowTfTensor(backend, v)]));
  const weights = new Weights(device, borrowed);
  return config.model_type === 'attnkit-seq2seq'
    ? new Seq2SeqTranslator(device, config, weights)
    : new TextClassifier(device, config, weights);
}

export function asTranslator(model: TrainedModel): Seq2SeqTranslator {
  if (!(model instanceof Seq2SeqTranslator)) throw new Error('this task trains a translator, got a classifier');
  return model;
}

export function asClassifier(model: TrainedModel): TextClassifier {
  if (!(model instanceof TextClassifier)) throw new Error('this task trains a classifier, got a translator');
  return model;
}

/**
 * Greedy decoding of token rows (without EOS) for the dev evaluations during training: the model's own
 * `generate`, in batches of `batchSize` rows. Returns the generated ids per row, EOS excluded.
 */
export async function greedyIds(
  translator: Seq2SeqTranslator,
  rows: readonly (readonly number[])[],
  maxNewTokens: number,
  batchSize = 500,
): Promise<number[][]> {
  const eos = translator.config.eos_token_id;
  const out: number[][] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    const sources = rows.slice(start, start + batchSize).map((r) => [...r, eos]);
    for (const g of await translator.generate(sources, { numBeams: 1, maxNewTokens })) out.push([...g.tokens]);
  }
  return out;
}
