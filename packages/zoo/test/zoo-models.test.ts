import { join } from 'node:path';
import type { Backend } from '@attnkit/core';
import { pipeline } from '@attnkit/models';
import { afterAll, describe, expect, it } from 'vitest';
import { g2pSplit } from '../src/data/cmudict.js';
import { numberPair, numbersSplit } from '../src/data/numbers.js';
import { loadSpamSplit } from '../src/data/spam.js';
import { BACKEND_NAMES, openBackend } from '../src/evaluate/backends.js';
import { devSplit } from '../src/tasks/spam.js';
import { MODELS_DIR } from '../src/zoo.js';

/**
 * The committed models through the pipeline API on every backend of this machine: the same outputs
 * everywhere (greedy and beam translations, labels), and the numbers translator right on held-out numbers.
 * Inputs come from the dev splits: a test that runs on every CI run must not read the test splits, which
 * each card reads once.
 */
const numbers = numbersSplit().dev.slice(0, 6).map(numberPair);
const words = g2pSplit('dev')
  .slice(0, 6)
  .map((w) => w.word);

interface Outputs {
  numbers: string[];
  beam: string;
  phonemes: string[];
  labels: string[];
  scores: number[];
}
const results = new Map<string, Outputs>();
const opened: Backend[] = [];
afterAll(() => {
  for (const b of opened) b.dispose();
});

describe('zoo models on every backend', () => {
  for (const name of BACKEND_NAMES) {
    it(`${name}: translates, transcribes and classifies`, async () => {
      const backend = await openBackend(name);
      opened.push(backend);
      const translator = await pipeline('translation', join(MODELS_DIR, 'numbers-en-fr'), { backend });
      const translated = await translator.translate(numbers.map((n) => n.source));
      const [beam] = await translator.translate('seven hundred seventy-one thousand eighty', { numBeams: 3 });
      translator.dispose();
      const g2p = await pipeline('translation', join(MODELS_DIR, 'g2p-cmudict'), { backend });
      const phonemes = await g2p.translate(words);
      g2p.dispose();
      const mails = devSplit(await loadSpamSplit()).dev.slice(0, 6);
      const classifier = await pipeline('text-classification', join(MODELS_DIR, 'spam-classifier'), { backend });
      const classified = await classifier.classify(mails.map((m) => m.text));
      classifier.dispose();
      const outputs: Outputs = {
        numbers: translated.map((t) => t.translationText),
        beam: beam.translationText,
        phonemes: phonemes.map((p) => p.translationText),
        labels: classified.map((c) => c[0].label),
        scores: classified.map((c) => c[0].score),
      };
      expect(outputs.numbers).toEqual(numbers.map((n) => n.target));
      expect(outputs.beam).toBe('sept cent soixante et onze mille quatre-vingts');
      // The spam model is right on 5 of these 6 dev mails (97.95% on dev in all); every backend must agree on which.
      const right = outputs.labels.filter((label, i) => label === mails[i].label).length;
      expect(right).toBeGreaterThanOrEqual(5);
      results.set(name, outputs);
    }, 300_000);
  }

  it("every backend gives the reference backend's outputs", () => {
    const reference = results.get('reference');
    expect(reference).toBeDefined();
    for (const [name, o] of results) {
      expect(o.numbers, name).toEqual(reference!.numbers);
      expect(o.beam, name).toBe(reference!.beam);
      expect(o.phonemes, name).toEqual(reference!.phonemes);
      expect(o.labels, name).toEqual(reference!.labels);
      for (const [i, s] of o.scores.entries()) expect(Math.abs(s - reference!.scores[i]), name).toBeLessThan(1e-3);
    }
    expect(results.size).toBe(BACKEND_NAMES.length);
  });
});
