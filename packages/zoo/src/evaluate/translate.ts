import { type Backend, createDevice } from '@attnkit/core';
import { loadTranslator, type ModelSource } from '@attnkit/models';

/**
 * Translates many texts through the models package (the pipelines' code path): sources sorted by length
 * and decoded in batches, so padding stays small; outputs come back in input order.
 */
export interface TranslateAllOptions {
  readonly batchSize?: number;
  readonly numBeams?: number;
  readonly maxNewTokens?: number;
  readonly lengthPenalty?: number;
}

export async function translateAll(
  backend: Backend,
  source: ModelSource,
  texts: readonly string[],
  options: TranslateAllOptions = {},
): Promise<string[]> {
  const { model, tokenizer } = await loadTranslator(createDevice(backend), source);
  try {
    const encoded = texts.map((t) => [...tokenizer.encode(t), model.config.eos_token_id]);
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[a].length - encoded[b].length);
    const out = new Array<string>(texts.length);
    const batchSize = options.batchSize ?? 256;
    for (let i = 0; i < order.length; i += batchSize) {
      const rows = order.slice(i, i + batchSize);
      const generations = await model.generate(
        rows.map((r) => encoded[r]),
        {
          numBeams: options.numBeams ?? 1,
          ...(options.maxNewTokens !== undefined && { maxNewTokens: options.maxNewTokens }),
          ...(options.lengthPenalty !== undefined && { lengthPenalty: options.lengthPenalty }),
        },
      );
      generations.forEach((g, j) => {
        out[rows[j]] = tokenizer.decode(g.tokens);
      });
    }
    return out;
  } finally {
    model.dispose();
  }
}
