import { join } from 'node:path';
import { AttnkitError, type Backend, createReferenceBackend } from '@attnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline, readSafetensors, type TranslationPipeline, type TranslatorConfig } from '../src/index.js';
import { TEST_BACKENDS } from './helpers/backends.js';
import { expectAllClose } from './helpers/close.js';
import { FIXTURES, type FixtureName, fixtureFiles, randomModelFiles } from './helpers/fixtures.js';
import { hostTranslatorLogits } from './helpers/host-models.js';

const TEXTS: Record<string, string[]> = {
  'translator-tiny': ['hello world', 'abc', 'the quick brown fox', 'z', 'good morning'],
  'translator-alibi': ['one two', 'three', 'four five six seven eight', 'ten', 'nine eight'],
};
const MAX = 20;

/** Reference results, computed once, that every backend must reproduce. */
const expected = new Map<string, { greedy: string[]; beam: string[]; logits: Float32Array[][] }>();

beforeAll(async () => {
  const backend = createReferenceBackend();
  for (const name of Object.keys(TEXTS)) {
    const p = await pipeline('translation', join(FIXTURES, name), { backend });
    const greedy = (await p.translate(TEXTS[name], { maxNewTokens: MAX })).map((o) => o.translationText);
    const beam = (await p.translate(TEXTS[name], { maxNewTokens: MAX, numBeams: 3 })).map((o) => o.translationText);
    const sources = TEXTS[name].map((t) => [...p.tokenizer.encode(t), p.model.config.eos_token_id]);
    const logits = (await p.model.generate(sources, { maxNewTokens: MAX, returnLogits: true })).map((g) => g.logits!);
    expected.set(name, { greedy, beam, logits });
    p.dispose();
  }
  backend.dispose();
});

describe.each(TEST_BACKENDS)('translator on $name', (entry) => {
  let backend: Backend;
  const pipelines = new Map<string, TranslationPipeline>();
  let liveAfterLoad = 0;

  beforeAll(async () => {
    backend = await entry.create();
    for (const name of Object.keys(TEXTS))
      pipelines.set(name, await pipeline('translation', join(FIXTURES, name), { backend }));
    liveAfterLoad = backend.kernels.memory().liveTensors;
  }, entry.timeout);
  afterAll(() => {
    for (const p of pipelines.values()) p.dispose();
    expect(backend.kernels.memory().liveTensors).toBe(0);
    backend.dispose();
  });

  describe.each(Object.keys(TEXTS))('%s', (name) => {
    const p = () => pipelines.get(name)!;
    const sources = () => TEXTS[name].map((t) => [...p().tokenizer.encode(t), p().model.config.eos_token_id]);

    it(
      'greedy and beam outputs equal the reference outputs; logits within tolerance',
      async () => {
        const want = expected.get(name)!;
        expect((await p().translate(TEXTS[name], { maxNewTokens: MAX })).map((o) => o.translationText)).toEqual(
          want.greedy,
        );
        expect(
          (await p().translate(TEXTS[name], { maxNewTokens: MAX, numBeams: 3 })).map((o) => o.translationText),
        ).toEqual(want.beam);
        const got = await p().model.generate(sources(), { maxNewTokens: MAX, returnLogits: true });
        expectAllClose(
          got.map((g) => g.logits!),
          want.logits,
          entry.tolerance,
        );
        expect(backend.kernels.memory().liveTensors).toBe(liveAfterLoad);
      },
      entry.timeout,
    );

    it(
      'the cached decode gives the same tokens and logits as recomputing the whole prefix',
      async () => {
        const cached = await p().model.generate(sources(), { maxNewTokens: MAX, returnLogits: true });
        const recomputed = await p().model.generate(sources(), {
          maxNewTokens: MAX,
          returnLogits: true,
          useCache: false,
        });
        expect(cached.map((g) => g.tokens)).toEqual(recomputed.map((g) => g.tokens));
        expectAllClose(
          cached.map((g) => g.logits!),
          recomputed.map((g) => g.logits!),
          entry.tolerance,
        );
        const beamCached = await p().model.generate(sources(), { maxNewTokens: MAX, numBeams: 3 });
        const beamRecomputed = await p().model.generate(sources(), { maxNewTokens: MAX, numBeams: 3, useCache: false });
        expect(beamCached.map((g) => g.tokens)).toEqual(beamRecomputed.map((g) => g.tokens));
        expectAllClose(
          beamCached.map((g) => g.score!),
          beamRecomputed.map((g) => g.score!),
          entry.tolerance,
        );
        expect(backend.kernels.memory().liveTensors).toBe(liveAfterLoad);
      },
      entry.timeout,
    );

    it(
      'a batch of mixed lengths gives the same results as one input at a time',
      async () => {
        for (const numBeams of [1, 3]) {
          const batched = await p().model.generate(sources(), {
            maxNewTokens: MAX,
            numBeams,
            returnAttentions: true,
            returnLogits: numBeams === 1,
          });
          for (const [i, source] of sources().entries()) {
            const [single] = await p().model.generate([source], {
              maxNewTokens: MAX,
              numBeams,
              returnAttentions: true,
              returnLogits: numBeams === 1,
            });
            expect(batched[i].tokens).toEqual(single.tokens);
            expect(batched[i].finished).toBe(single.finished);
            if (single.logits) expectAllClose(batched[i].logits!, single.logits);
            expectAllClose(batched[i].crossAttentions!, single.crossAttentions!);
          }
        }
      },
      entry.timeout,
    );

    it(
      'ends at EOS or at maxNewTokens; EOS is not part of the text',
      async () => {
        const out = await p().model.generate(sources(), { maxNewTokens: MAX });
        const eos = p().model.config.eos_token_id;
        for (const g of out) {
          expect(g.tokens).not.toContain(eos);
          if (!g.finished) expect(g.tokens.length).toBe(MAX);
          else expect(g.tokens.length).toBeLessThan(MAX);
        }
        // The fixtures are tuned so that both endings occur.
        expect(out.some((g) => g.finished)).toBe(true);
        expect(out.some((g) => !g.finished)).toBe(true);
        const short = await p().model.generate(sources(), { maxNewTokens: 3, numBeams: 2 });
        for (const g of short) expect(g.tokens.length).toBeLessThanOrEqual(3);
      },
      entry.timeout,
    );

    it(
      'returns cross-attention maps per layer and head over the real source tokens',
      async () => {
        const { config } = p().model;
        for (const numBeams of [1, 2]) {
          const out = await p().translate(TEXTS[name], { maxNewTokens: 6, numBeams, returnAttentions: true });
          out.forEach((o, i) => {
            const maps = o.attentions!;
            expect(maps.kind).toBe('cross');
            expect(maps.keyTokens.length).toBe(sources()[i].length);
            expect(maps.maps.length).toBe(config.decoder_layers);
            for (const layer of maps.maps) {
              expect(layer.length).toBe(config.num_heads);
              for (const head of layer) {
                expect(head.length).toBe(maps.queryTokens.length);
                for (const row of head) {
                  expect(row.length).toBe(maps.keyTokens.length);
                  expectAllClose([row.reduce((a, b) => a + b, 0)], [1]);
                }
              }
            }
          });
        }
        expect(backend.kernels.memory().liveTensors).toBe(liveAfterLoad);
      },
      entry.timeout,
    );
  });
});

describe('translator logits against an independent float64 host computation', () => {
  it.each(['translator-tiny', 'translator-alibi'] as FixtureName[])('%s: every greedy step, cached', async (name) => {
    const files = fixtureFiles(name);
    const config = files.config as unknown as TranslatorConfig;
    const weights = readSafetensors(files.weights).tensors;
    const p = await pipeline('translation', join(FIXTURES, name), { device: 'reference' });
    for (const text of TEXTS[name].slice(0, 3)) {
      const source = [...p.tokenizer.encode(text), config.eos_token_id];
      const [g] = await p.model.generate([source], { maxNewTokens: 8, returnLogits: true });
      const target = [config.bos_token_id, ...g.tokens, ...(g.finished ? [config.eos_token_id] : [])];
      const host = hostTranslatorLogits(config, weights, source, target.slice(0, -1));
      expectAllClose(g.logits!, host);
    }
    p.dispose();
  });
});

describe('translator variants (seeded random weights)', () => {
  const tokenizer = fixtureFiles('translator-tiny').tokenizer;
  const base = fixtureFiles('translator-tiny').config as unknown as TranslatorConfig;
  const variants: [string, Partial<TranslatorConfig>][] = [
    [
      'learned positions, pre-norm, GELU, multi-head (Hkv = Hq)',
      { positions: 'learned', activation: 'gelu', num_kv_heads: 4, encoder_layers: 1 },
    ],
    ['ALiBi, pre-norm, ReLU, grouped-query', { positions: 'alibi', num_kv_heads: 2, decoder_layers: 1 }],
    ['sinusoidal, post-norm, multi-query', { norm: 'post', num_kv_heads: 1, d_model: 8, num_heads: 2, ffn_dim: 16 }],
  ];
  it.each(variants)('%s: cache = recompute, batch = single', async (_, change) => {
    const backend = createReferenceBackend();
    const p = await pipeline('translation', randomModelFiles({ ...base, ...change }, 77, tokenizer), { backend });
    const sources = ['abc de', 'x', 'hello there'].map((t) => [...p.tokenizer.encode(t), 2]);
    const cached = await p.model.generate(sources, { maxNewTokens: 10, returnLogits: true });
    const recomputed = await p.model.generate(sources, { maxNewTokens: 10, returnLogits: true, useCache: false });
    expect(cached.map((g) => g.tokens)).toEqual(recomputed.map((g) => g.tokens));
    expectAllClose(
      cached.map((g) => g.logits!),
      recomputed.map((g) => g.logits!),
    );
    const beams = await p.model.generate(sources, { maxNewTokens: 10, numBeams: 3 });
    for (const [i, source] of sources.entries()) {
      const [single] = await p.model.generate([source], { maxNewTokens: 10, numBeams: 3 });
      expect(beams[i].tokens).toEqual(single.tokens);
    }
    p.dispose();
    expect(backend.kernels.memory().liveTensors).toBe(0);
  });
});

describe('translator arguments', () => {
  let p: TranslationPipeline;
  beforeAll(async () => {
    p = await pipeline('translation', join(FIXTURES, 'translator-tiny'), { device: 'reference' });
  });
  afterAll(() => p.dispose());

  it.each([
    [{ numBeams: 0 }, 'options.numBeams'],
    [{ maxNewTokens: 49 }, 'options.maxNewTokens'],
    [{ lengthPenalty: Number.NaN }, 'options.lengthPenalty'],
    [{ temperature: 1 }, 'options.temperature'],
  ])('rejects %o', async (options, argument) => {
    await expect(p.translate('abc', options as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument });
  });
  it('rejects empty input and non-strings', async () => {
    await expect(p.translate([])).rejects.toBeInstanceOf(AttnkitError);
    await expect(p.translate([3] as never)).rejects.toBeInstanceOf(AttnkitError);
  });
  it('rejects a source longer than max_positions, typed and before any device work', async () => {
    const live = p.backend.kernels.memory().liveTensors;
    // 47 characters and the EOS fill the 48 positions exactly; one more does not fit.
    await expect(p.translate('a'.repeat(47), { maxNewTokens: 2 })).resolves.toHaveLength(1);
    const error = await p.translate('a'.repeat(48)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttnkitError);
    expect(error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'text',
      expected: 'at most 48 tokens',
      given: '49 tokens',
    });
    expect((error as Error).message).toMatch(/48 tokens plus the EOS .*, 49 in all.*max_positions = 48/);
    await expect(p(['ab', 'a'.repeat(60)])).rejects.toMatchObject({ argument: 'text[1]', given: '61 tokens' });
    expect(p.backend.kernels.memory().liveTensors).toBe(live);
    // The model itself refuses the same row by index, with the EOS the caller already appended.
    expect(() => p.model.encode([[5], Array(49).fill(5)])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'sources[1]', given: '49 tokens' }),
    );
    expect(p.backend.kernels.memory().liveTensors).toBe(live);
  });
  it('bounds generation by the decoder positions: maxNewTokens = max_positions runs, one more is refused', async () => {
    await expect(p('abc', { maxNewTokens: 48 })).resolves.toHaveLength(1);
    await expect(p('abc', { maxNewTokens: 49 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'options.maxNewTokens',
      expected: 'an integer in [1, 48]',
      given: '49',
    });
  });
  it('refuses work after dispose', async () => {
    const q = await pipeline('translation', join(FIXTURES, 'translator-tiny'), { device: 'reference' });
    q.dispose();
    await expect(q.translate('abc')).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});
