/**
 * The zoo's trained models, as sources for `pipeline()` of @attnkit/models: each is the URL of a model folder
 * inside this package (config.json, model.safetensors, tokenizer.json, and the model card README.md with its
 * metrics), which the pipeline reads with node:fs in Node (a file: URL) and with fetch where the folder is
 * served over http(s).
 *
 *   import { pipeline } from '@attnkit/models';
 *   import { numbersEnFr } from '@attnkit/zoo-models';
 *   const translator = await pipeline('translation', numbersEnFr);
 *   const [{ translationText }] = await translator.translate('seventy-one'); // 'soixante et onze'
 */

/** This package's models/ folder: where the zoo's training writes, and what a page can serve as static files. */
export const MODELS_FOLDER: URL = new URL('../models/', import.meta.url);

/** English number words to French: `'seventy-one'` → `'soixante et onze'`. Exact match 100 % on test. */
export const numbersEnFr: URL = folder('numbers-en-fr');

/** Spelling to pronunciation (CMUdict phonemes): `'attention'` → `'AH T EH N SH AH N'`. WER 28.8 % on test. */
export const g2pCmudict: URL = folder('g2p-cmudict');

/** Spam or ham for an e-mail's text (SpamAssassin corpus); `pipeline('text-classification', spamClassifier)`. */
export const spamClassifier: URL = folder('spam-classifier');

/** Every model, by the name of its folder (and of its card's title). */
export const ZOO_MODELS = {
  'numbers-en-fr': numbersEnFr,
  'g2p-cmudict': g2pCmudict,
  'spam-classifier': spamClassifier,
} as const;

export type ZooModelName = keyof typeof ZOO_MODELS;

function folder(name: string): URL {
  return new URL(`${name}/`, MODELS_FOLDER);
}
