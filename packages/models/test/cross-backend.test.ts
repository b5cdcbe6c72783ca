import { join } from 'node:path';
import { type Backend, createReferenceBackend } from '@attnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline, type TextClassificationPipeline, type TranslationPipeline } from '../src/index.js';
import { FOCUSED_BACKENDS } from './helpers/backends.js';
import { expectAllClose } from './helpers/close.js';
import { FIXTURES } from './helpers/fixtures.js';

/**
 * The focused cross-backend suite for the backends that do not run every model test (helpers/backends.ts):
 * both translator fixtures (greedy and beam texts identical to the reference, logits within the suite's
 * float32 tolerance, cached decode = recomputed prefix), the classifier (probabilities and self-attention maps),
 * and no device tensor left after dispose.
 */
const TRANSLATIONS: Record<string, string[]> = {
  'translator-tiny': ['hello world', 'abc', 'the quick brown fox', 'z'],
  'translator-alibi': ['one two', 'four five six seven eight', 'ten'],
};
const CLASSIFICATIONS = ['the movie was good', 'bad', 'the plot was awful and unknownword'];
const MAX = 16;
const maxOf = (entry: { maxNewTokens?: number }) => entry.maxNewTokens ?? MAX;

interface TranslatorOutputs {
  greedy: string[];
  beam: string[];
  logits: Float32Array[][];
}
/** Reference outputs per translator and decode length. */
const wantTranslations = new Map<string, TranslatorOutputs>();
const wantKey = (name: string, max: number) => `${name}/${max}`;
let wantProbabilities: Float32Array[];
let wantAttentions: number[][][][][];

async function translatorOutputs(p: TranslationPipeline, texts: string[], max: number): Promise<TranslatorOutputs> {
  return {
    greedy: await translations(p, texts, max, 1),
    beam: await translations(p, texts, max, 3),
    logits: await logitsOf(p, texts, max),
  };
}

async function translations(
  p: TranslationPipeline,
  texts: string[],
  maxNewTokens: number,
  numBeams: number,
): Promise<string[]> {
  return (await p.translate(texts, { maxNewTokens, numBeams })).map((o) => o.translationText);
}

async function logitsOf(p: TranslationPipeline, texts: string[], maxNewTokens: number): Promise<Float32Array[][]> {
  return (await p.model.generate(sourcesOf(p, texts), { maxNewTokens, returnLogits: true })).map((g) => g.logits!);
}

function sourcesOf(p: TranslationPipeline, texts: readonly string[]): number[][] {
  return texts.map((t) => [...p.tokenizer.encode(t), p.model.config.eos_token_id]);
}

async function classifierOutputs(p: TextClassificationPipeline) {
  const out = await p.model.classify(
    CLASSIFICATIONS.map((t) => p.tokenizer.encode(t)),
    { returnAttentions: true },
  );
  return { probabilities: out.map((o) => o.probabilities), attentions: out.map((o) => o.attentions!) };
}

beforeAll(async () => {
  const backend = createReferenceBackend();
  for (const [name, texts] of Object.entries(TRANSLATIONS)) {
    const p = await pipeline('translation', join(FIXTURES, name), { backend });
    for (const max of new Set(FOCUSED_BACKENDS.map(maxOf)))
      wantTranslations.set(wantKey(name, max), await translatorOutputs(p, texts, max));
    p.dispose();
  }
  const c = await pipeline('text-classification', join(FIXTURES, 'classifier-tiny'), { backend });
  ({ probabilities: wantProbabilities, attentions: wantAttentions } = await classifierOutputs(c));
  c.dispose();
  backend.dispose();
});

describe.each(FOCUSED_BACKENDS)('models on $name', (entry) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await entry.create();
  }, entry.timeout);
  afterAll(() => {
    // Every pipeline below disposes itself: nothing may be left on the device.
    expect(backend.kernels.memory().liveTensors).toBe(0);
    backend.dispose();
  });

  describe.each(Object.keys(TRANSLATIONS))('%s', (name) => {
    let p: TranslationPipeline;
    beforeAll(async () => {
      p = await pipeline('translation', join(FIXTURES, name), { backend });
    }, entry.timeout);
    afterAll(() => p?.dispose());

    const max = maxOf(entry);
    const want = () => wantTranslations.get(wantKey(name, max))!;

    it(
      'greedy texts equal the reference',
      async () => {
        expect(await translations(p, TRANSLATIONS[name], max, 1)).toEqual(want().greedy);
      },
      entry.timeout,
    );

    it(
      'beam texts equal the reference',
      async () => {
        expect(await translations(p, TRANSLATIONS[name], max, 3)).toEqual(want().beam);
      },
      entry.timeout,
    );

    it(
      'logits within tolerance of the reference',
      async () => {
        expectAllClose(await logitsOf(p, TRANSLATIONS[name], max), want().logits);
      },
      entry.timeout,
    );

    it(
      'the cached decode gives the same tokens and logits as recomputing the whole prefix',
      async () => {
        const sources = sourcesOf(p, TRANSLATIONS[name]);
        const cached = await p.model.generate(sources, { maxNewTokens: max, returnLogits: true });
        const recomputed = await p.model.generate(sources, { maxNewTokens: max, returnLogits: true, useCache: false });
        expect(cached.map((g) => g.tokens)).toEqual(recomputed.map((g) => g.tokens));
        expectAllClose(
          cached.map((g) => g.logits!),
          recomputed.map((g) => g.logits!),
        );
      },
      entry.timeout,
    );
  });

  it(
    'classifier: probabilities and self-attention maps within tolerance; pipeline labels best first',
    async () => {
      const p = await pipeline('text-classification', join(FIXTURES, 'classifier-tiny'), { backend });
      try {
        const got = await classifierOutputs(p);
        expectAllClose(got.probabilities, wantProbabilities);
        expectAllClose(got.attentions, wantAttentions);
        const labels = await p.classify(CLASSIFICATIONS, { topK: 3 });
        labels.forEach((row, i) => {
          const byLabel = Object.fromEntries(row.map((l) => [l.label, l.score]));
          expectAllClose(
            ['negative', 'neutral', 'positive'].map((l) => byLabel[l]),
            wantProbabilities[i],
          );
          expect(row.map((l) => l.score)).toEqual([...row.map((l) => l.score)].sort((a, b) => b - a));
        });
      } finally {
        p.dispose();
      }
    },
    entry.timeout,
  );

  it(
    'pipelines translate and classify, then leave no device tensor after dispose',
    async () => {
      const before = backend.kernels.memory().liveTensors;
      const translator = await pipeline('translation', join(FIXTURES, 'translator-tiny'), { backend });
      const classifier = await pipeline('text-classification', join(FIXTURES, 'classifier-tiny'), { backend });
      const [translated] = await translator.translate(TRANSLATIONS['translator-tiny'][0], {
        maxNewTokens: maxOf(entry),
        numBeams: 3,
        returnAttentions: true,
      });
      expect(translated.translationText).toBe(wantTranslations.get(wantKey('translator-tiny', maxOf(entry)))!.beam[0]);
      expect(translated.attentions!.crossAttentions.length).toBe(translator.model.config.decoder_layers);
      const [top] = await classifier.classify('the movie was good');
      expectAllClose([top.score], [Math.max(...wantProbabilities[0])]);
      expect(backend.kernels.memory().liveTensors).toBeGreaterThan(before);
      translator.dispose();
      classifier.dispose();
      expect(backend.kernels.memory().liveTensors).toBe(before);
    },
    entry.timeout,
  );
});
