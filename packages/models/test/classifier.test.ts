import { join } from 'node:path';
import { type Backend, createReferenceBackend } from '@attnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClassifierConfig, pipeline, readSafetensors, type TextClassificationPipeline } from '../src/index.js';
import { TEST_BACKENDS } from './helpers/backends.js';
import { expectAllClose } from './helpers/close.js';
import { FIXTURES, fixtureFiles, randomModelFiles } from './helpers/fixtures.js';
import { hostClassifierLogits } from './helpers/host-models.js';

const TEXTS = ['the movie was good', 'bad', 'a very very good film is not bad', 'the plot was awful and unknownword'];

describe('classifier logits against an independent float64 host computation', () => {
  const fixture = fixtureFiles('classifier-tiny');
  const variant: ClassifierConfig = {
    ...(fixture.config as unknown as ClassifierConfig),
    norm: 'pre',
    pooling: 'mean',
    positions: 'sinusoidal',
    activation: 'relu',
    num_layers: 2,
    num_kv_heads: 2,
  };
  delete (variant as { cls_token_id?: number }).cls_token_id;
  const sqrtVariant: ClassifierConfig = { ...variant, pooling: 'mean_sqrt_len' };
  const cases: [string, ClassifierConfig, Uint8Array][] = [
    [
      'the fixture (1 post-norm layer, GELU, learned positions, CLS pooling, GQA)',
      fixture.config as unknown as ClassifierConfig,
      fixture.weights,
    ],
    [
      'a variant (2 pre-norm layers, ReLU, sinusoidal positions, mean pooling)',
      variant,
      randomModelFiles(variant, 5, fixture.tokenizer)['model.safetensors'] as Uint8Array,
    ],
    [
      'the variant with mean_sqrt_len pooling (inputs of 1 to 8 tokens batched together)',
      sqrtVariant,
      randomModelFiles(sqrtVariant, 6, fixture.tokenizer)['model.safetensors'] as Uint8Array,
    ],
  ];
  it.each(cases)('%s', async (_, config, weights) => {
    const backend = createReferenceBackend();
    const p = await pipeline(
      'text-classification',
      { 'config.json': config as never, 'tokenizer.json': fixture.tokenizer, 'model.safetensors': weights },
      { backend },
    );
    const stored = readSafetensors(weights).tensors;
    const outputs = await p.model.classify(TEXTS.map((t) => p.tokenizer.encode(t)));
    outputs.forEach((out, i) => {
      const host = hostClassifierLogits(config, stored, p.tokenizer.encode(TEXTS[i]));
      expectAllClose(out.logits, host);
      const e = host.map((v) => Math.exp(v - Math.max(...host)));
      expectAllClose(
        out.probabilities,
        e.map((v) => v / e.reduce((a, b) => a + b, 0)),
      );
    });
    p.dispose();
    expect(backend.kernels.memory().liveTensors).toBe(0);
  });
});

/** Reference probabilities, computed once, that every backend must reproduce. */
const expected: Float32Array[] = [];
beforeAll(async () => {
  const p = await pipeline('text-classification', join(FIXTURES, 'classifier-tiny'), { device: 'reference' });
  for (const out of await p.model.classify(TEXTS.map((t) => p.tokenizer.encode(t)))) expected.push(out.probabilities);
  p.dispose();
});

describe.each(TEST_BACKENDS)('classifier on $name', (entry) => {
  let backend: Backend;
  let p: TextClassificationPipeline;
  let liveAfterLoad = 0;
  beforeAll(async () => {
    backend = await entry.create();
    p = await pipeline('text-classification', join(FIXTURES, 'classifier-tiny'), { backend });
    liveAfterLoad = backend.kernels.memory().liveTensors;
  }, entry.timeout);
  afterAll(() => {
    p.dispose();
    expect(backend.kernels.memory().liveTensors).toBe(0);
    backend.dispose();
  }, entry.timeout);

  it(
    'probabilities match the reference; labels come best first',
    async () => {
      const results = await p.classify(TEXTS, { topK: 3 });
      results.forEach((labels, i) => {
        const byLabel = Object.fromEntries(labels.map((l) => [l.label, l.score]));
        expectAllClose(
          ['negative', 'neutral', 'positive'].map((l) => byLabel[l]),
          expected[i],
        );
        expect(labels.map((l) => l.score)).toEqual([...labels.map((l) => l.score)].sort((a, b) => b - a));
      });
      // Alone, the text is a batch of one at its own length: the same label, and the score within the tolerance of
      // the batch test below, since a backend may order its float32 sums by block length (backend-wasm does).
      const [top] = await p.classify(TEXTS[0]);
      expect(top.label).toBe(results[0][0].label);
      expectAllClose([top.score], [results[0][0].score]);
      expect(backend.kernels.memory().liveTensors).toBe(liveAfterLoad);
    },
    entry.timeout,
  );

  it(
    'a batch of mixed lengths gives the same result as one input at a time',
    async () => {
      const batched = await p.model.classify(
        TEXTS.map((t) => p.tokenizer.encode(t)),
        { returnAttentions: true },
      );
      for (const [i, text] of TEXTS.entries()) {
        const [single] = await p.model.classify([p.tokenizer.encode(text)], { returnAttentions: true });
        expectAllClose(batched[i].logits, single.logits);
        expectAllClose(batched[i].attentions!, single.attentions!);
      }
    },
    entry.timeout,
  );

  it(
    'returns self-attention maps per layer and head over the real tokens (CLS included)',
    async () => {
      const [top] = await p.classify('the film was not bad', { returnAttentions: true });
      const maps = top.attentions!;
      expect(maps.tokens).toEqual(['<cls>', 'the', 'film', 'was', 'not', 'bad']);
      expect(maps.selfAttentions.length).toBe(p.model.config.num_layers);
      for (const layer of maps.selfAttentions) {
        expect(layer.length).toBe(p.model.config.num_heads);
        for (const head of layer) {
          expect(head.length).toBe(6);
          for (const row of head) {
            expect(row.length).toBe(6);
            expectAllClose([row.reduce((a, b) => a + b, 0)], [1]);
          }
        }
      }
      expect(backend.kernels.memory().liveTensors).toBe(liveAfterLoad);
    },
    entry.timeout,
  );

  it(
    'rejects a topK beyond the labels',
    async () => {
      await expect(p.classify('good', { topK: 4 })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        argument: 'options.topK',
      });
    },
    entry.timeout,
  );
});
