import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { g2pSplit } from '../data/cmudict.js';
import { numberPair, numbersSplit } from '../data/numbers.js';
import { loadSpamSplit } from '../data/spam.js';

/**
 * samples.json of each model folder: held-out examples for the demo and the docs (never training data).
 *   translation: [{ source, target }] (g2p: the first reference pronunciation)
 *   classification: [{ text, label }], half ham and half spam, in test-split order
 */
export const SAMPLE_COUNT = 24;
const SPAM_SAMPLE_CHARS = 6000;

export async function writeSamples(modelsDir: string, name: string): Promise<void> {
  let samples: unknown[];
  if (name === 'numbers-en-fr')
    samples = numbersSplit()
      .test.slice(0, SAMPLE_COUNT)
      .map((n) => ({ source: numberPair(n).source, target: numberPair(n).target }));
  else if (name === 'g2p-cmudict')
    samples = g2pSplit('test')
      .slice(0, SAMPLE_COUNT)
      .map((w) => ({ source: w.word, target: w.pronunciations[0].join(' ') }));
  else {
    const { test } = await loadSpamSplit();
    const pick = (label: 'ham' | 'spam') =>
      test
        .filter((e) => e.label === label && e.text.length <= SPAM_SAMPLE_CHARS)
        .slice(0, SAMPLE_COUNT / 2)
        .map((e) => ({ text: e.text, label }));
    samples = [...pick('ham'), ...pick('spam')];
  }
  await writeFile(join(modelsDir, name, 'samples.json'), `${JSON.stringify(samples, null, 2)}\n`);
}
