import { type Backend, createDevice } from '@attnkit/core';
import { loadClassifier, type ModelSource } from '@attnkit/models';
import { SPECIAL_TOKENS } from '../tokenize/tokenizer-json.js';

/** The zoo tokenizers' <unk> id (specials: <pad> 0, <s> 1, </s> 2, <unk> 3): what stands in for an empty text. */
export const UNK_ID = SPECIAL_TOKENS.indexOf('<unk>');

/**
 * Classifies many texts through the models package (the pipeline's code path: tokenizer with its
 * truncation, the model's own special tokens), in length-sorted batches. Returns per text the
 * probability of each label, in config order.
 */
export async function classifyAll(
  backend: Backend,
  source: ModelSource,
  texts: readonly string[],
  batchSize = 32,
): Promise<{ labels: readonly string[]; probabilities: Float32Array[] }> {
  const { model, tokenizer } = await loadClassifier(createDevice(backend), source);
  try {
    const rows = texts.map((t) => tokenizer.encode(t));
    const order = rows.map((_, i) => i).sort((a, b) => rows[a].length - rows[b].length);
    const probabilities = new Array<Float32Array>(texts.length);
    for (let i = 0; i < order.length; i += batchSize) {
      const batch = order.slice(i, i + batchSize);
      // An empty text still needs a token to pool over; the tokenizer's <unk> stands in.
      const outputs = await model.classify(batch.map((r) => (rows[r].length > 0 ? rows[r] : [UNK_ID])));
      outputs.forEach((o, j) => {
        probabilities[batch[j]] = o.probabilities;
      });
    }
    return { labels: model.labels, probabilities };
  } finally {
    model.dispose();
  }
}
