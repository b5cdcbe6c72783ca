import type { ModelId } from './load/manifest.js';

/** The zoo's models as the page presents them. */
export interface TranslationModel {
  readonly id: ModelId;
  readonly title: string;
  readonly about: string;
  readonly placeholder: string;
  /** What the output tokens are, for the heatmap's axis. */
  readonly sourceAxis: string;
  readonly targetAxis: string;
}

export const TRANSLATION_MODELS: readonly TranslationModel[] = [
  {
    id: 'numbers-en-fr',
    title: 'Numbers: English → French words',
    about: 'A small encoder–decoder trained on numbers written in English words and their French spelling (n2words).',
    placeholder: 'seventy-one',
    sourceAxis: 'English (source)',
    targetAxis: 'French (output)',
  },
  {
    id: 'g2p-cmudict',
    title: 'Words → phonemes (CMUdict)',
    about: 'Grapheme-to-phoneme: letters in, ARPAbet phonemes out, trained on the CMU Pronouncing Dictionary.',
    placeholder: 'hello',
    sourceAxis: 'letters (source)',
    targetAxis: 'phonemes (output)',
  },
];

export const CLASSIFIER_MODEL: { readonly id: ModelId; readonly title: string; readonly about: string } = {
  id: 'spam-classifier',
  title: 'Spam or ham',
  about: 'A transformer encoder trained on the SpamAssassin corpus (subject and body, no other headers).',
};
