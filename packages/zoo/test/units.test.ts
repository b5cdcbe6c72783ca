import type { Dropout, TranslatorConfig } from '@attnkit/models';
import { mulberry32, Tokenizer } from '@attnkit/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { g2pSplit, loadCmudict, splitOf } from '../src/data/cmudict.js';
import { NUMBER_SPLIT, numberPair, numbersSplit, numberTokens, trainingNumbers } from '../src/data/numbers.js';
import { CARD_END, CARD_START, withMetrics } from '../src/evaluate/card.js';
import { editDistance, exactMatch, g2pScore } from '../src/metrics/sequence.js';
import { g2pTask, g2pTokenizer } from '../src/tasks/g2p.js';
import { bucketBatches } from '../src/tasks/seq2seq-batch.js';
import { dropWords } from '../src/tasks/spam.js';
import { tokenizerJson, UNK } from '../src/tokenize/tokenizer-json.js';
import { AdamW } from '../src/train/adamw.js';
import { asTranslator } from '../src/train/model.js';
import { Parameters } from '../src/train/parameters.js';
import { initTraining } from '../src/train/runtime.js';
import { learningRate } from '../src/train/task.js';
import { freshModel } from './helpers/trained-model.js';

beforeAll(initTraining);

describe('sequence metrics', () => {
  it('edit distance on hand-checked pairs', () => {
    expect(editDistance([], [])).toBe(0);
    expect(editDistance(['a'], [])).toBe(1);
    expect(editDistance('kitten'.split(''), 'sitting'.split(''))).toBe(3);
    expect(editDistance(['HH', 'AH', 'L', 'OW'], ['HH', 'EH', 'L', 'OW'])).toBe(1);
  });

  it('g2p score: right when any reference matches; errors against the closest reference', () => {
    const s = g2pScore(
      [
        ['R', 'IY', 'D'],
        ['T', 'AH', 'M', 'EY', 'T', 'OW'],
        ['K', 'AE', 'T'],
      ],
      [
        [
          ['R', 'EH', 'D'],
          ['R', 'IY', 'D'],
        ],
        [
          ['T', 'AH', 'M', 'EY', 'T', 'OW'],
          ['T', 'AH', 'M', 'AA', 'T', 'OW'],
        ],
        [['K', 'AE', 'T', 'S']],
      ],
    );
    expect(s.wrongWords).toBe(1);
    expect(s.wer).toBeCloseTo(1 / 3, 12);
    // errors 0 + 0 + 1 over reference lengths 3 + 6 + 4
    expect(s.per).toBeCloseTo(1 / 13, 12);
  });

  it('exact match', () => {
    expect(exactMatch(['a', 'b', 'c'], ['a', 'x', 'c'])).toEqual({ accuracy: 2 / 3, correct: 2, total: 3 });
  });
});

describe('numbers data', () => {
  const split = numbersSplit();
  it('5,000 test and 1,000 dev numbers, disjoint, never drawn for training', () => {
    expect(split.test.length).toBe(5000);
    expect(split.dev.length).toBe(1000);
    expect(new Set([...split.test, ...split.dev]).size).toBe(6000);
    for (let step = 0; step < 300; step++)
      for (const n of trainingNumbers(split, step, 64)) expect(split.heldOut.has(n)).toBe(false);
  });

  it('the stream is a function of the step (resumes replay it) and covers small numbers', () => {
    expect(trainingNumbers(split, 17, 64)).toEqual(trainingNumbers(split, 17, 64));
    expect(trainingNumbers(split, 17, 64)).not.toEqual(trainingNumbers(split, 18, 64));
    const drawn = Array.from({ length: 100 }, (_, s) => trainingNumbers(split, s, 64)).flat();
    expect(drawn.filter((n) => n < 1000).length / drawn.length).toBeGreaterThan(0.2);
  });

  it('the tokenizer round-trips every sampled pair exactly, with no unknown token', () => {
    const tokenizer = Tokenizer.fromJSON(
      tokenizerJson({ tokens: numberTokens(), split: { regex: NUMBER_SPLIT }, lowercase: true, decoder: 'fuse' }),
    );
    const next = mulberry32(5);
    for (let i = 0; i < 3000; i++) {
      const { source, target } = numberPair(Math.floor(next() * 1_000_000));
      for (const text of [source, target]) {
        const ids = tokenizer.encode(text);
        expect(ids).not.toContain(3);
        expect(tokenizer.decode(ids)).toBe(text);
      }
    }
    expect(numberPair(71).target).toBe('soixante et onze');
  });
});

describe('cmudict data', () => {
  it('words, alternatives and the index-mod-20 split', () => {
    const words = loadCmudict();
    expect(words.length).toBe(123_874);
    expect(words.every((w) => /^[a-z']+$/.test(w.word))).toBe(true);
    const read = words.find((w) => w.word === 'read')!;
    expect(read.pronunciations.map((p) => p.join(' ')).sort()).toEqual(['R EH D', 'R IY D']);
    expect([splitOf(19), splitOf(17), splitOf(18), splitOf(16), splitOf(39)]).toEqual([
      'dev',
      'test',
      'test',
      'train',
      'dev',
    ]);
    const test = g2pSplit('test');
    expect(test.length).toBe(12_386);
    expect(test.every((w) => [17, 18].includes(w.index % 20))).toBe(true);
  });

  it('the g2p tokenizer encodes every test word without unknowns and knows every phoneme', () => {
    const tokenizer = Tokenizer.fromJSON(g2pTokenizer());
    for (const w of g2pSplit('test')) {
      expect(tokenizer.encode(w.word.toUpperCase())).not.toContain(3);
      for (const p of w.pronunciations) for (const ph of p) expect(tokenizer.idOf(ph)).toBeDefined();
    }
  });
});

describe('training pieces', () => {
  it('bucketed batches hold every item once and respect the token budget', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ i, length: 1 + ((i * 7919) % 23) }));
    const batches = bucketBatches(items, (x) => x.length, 128, mulberry32(1));
    expect(
      batches
        .flat()
        .map((x) => x.i)
        .sort((a, b) => a - b),
    ).toEqual(items.map((x) => x.i));
    for (const b of batches) expect(Math.max(...b.map((x) => x.length)) * b.length).toBeLessThanOrEqual(128);
  });

  it('word dropout: only <unk> replacements, at about the asked rate, the same for the same seed', () => {
    const rows = Array.from({ length: 50 }, (_, r) => Array.from({ length: 200 }, (_, t) => 4 + ((r * 31 + t) % 500)));
    const dropped = dropWords(rows, 0.1, 42);
    let replaced = 0;
    dropped.forEach((row, r) => {
      expect(row).toHaveLength(rows[r].length);
      row.forEach((id, t) => {
        if (id !== rows[r][t]) {
          expect(id).toBe(UNK);
          replaced++;
        }
      });
    });
    expect(replaced / 10_000).toBeGreaterThan(0.09);
    expect(replaced / 10_000).toBeLessThan(0.11);
    expect(dropWords(rows, 0.1, 42)).toEqual(dropped);
    expect(dropWords(rows, 0.1, 43)).not.toEqual(dropped);
    expect(dropWords(rows, 0, 42)).toEqual(rows);
  });

  it('learning rate: linear warm-up, cosine to the final fraction', () => {
    const s = {
      steps: 110,
      warmupSteps: 10,
      peakLearningRate: 1,
      finalFraction: 0.1,
      evalEvery: 1,
      checkpointEvery: 1,
      weightDecay: 0,
    };
    expect(learningRate(s, 0)).toBeCloseTo(0.1, 12);
    expect(learningRate(s, 9)).toBeCloseTo(1, 12);
    expect(learningRate(s, 60)).toBeCloseTo(0.55, 12);
    expect(learningRate(s, 110)).toBeCloseTo(0.1, 12);
  });

  it('AdamW: one step by hand (bias-corrected first step moves every weight by lr·sign(g), plus decay)', () => {
    const params = Parameters.fromHost({
      'w.weight': { shape: [1, 2], data: Float32Array.from([1, -2]) },
      'w.bias': { shape: [2], data: Float32Array.from([0.5, 0]) },
    });
    const adam = new AdamW(params, { weightDecay: 0.1 });
    const grads = { 'w.weight': tf.tensor2d([[0.3, -0.01]]), 'w.bias': tf.tensor1d([-4, 0]) };
    const norm = adam.apply(grads, 0.01, 100);
    expect(norm).toBeCloseTo(Math.sqrt(0.09 + 0.0001 + 16), 5);
    const [w, b] = [params.get('w.weight').dataSync(), params.get('w.bias').dataSync()];
    expect(w[0]).toBeCloseTo(1 - 0.01 * (1 + 0.1 * 1), 5);
    expect(w[1]).toBeCloseTo(-2 - 0.01 * (-1 + 0.1 * -2), 5);
    expect(b[0]).toBeCloseTo(0.5 + 0.01, 5); // no decay on vectors
    expect(b[1]).toBeCloseTo(0, 6); // zero gradient: no move
    tf.dispose(Object.values(grads));
    adam.dispose();
    params.dispose();
  });

  it("AdamW: a learning-rate scale multiplies that parameter's whole step (decay included); an unknown name is refused", () => {
    const params = Parameters.fromHost({
      'a.weight': { shape: [1, 1], data: Float32Array.from([1]) },
      'b.weight': { shape: [1, 1], data: Float32Array.from([1]) },
    });
    expect(() => new AdamW(params, { learningRateScale: { 'c.weight': 2 } })).toThrow(/c\.weight/);
    const adam = new AdamW(params, { weightDecay: 0.1, learningRateScale: { 'b.weight': 10 } });
    const grads = { 'a.weight': tf.tensor2d([[0.5]]), 'b.weight': tf.tensor2d([[0.5]]) };
    adam.apply(grads, 0.01, 100);
    expect(params.get('a.weight').dataSync()[0]).toBeCloseTo(1 - 0.01 * 1.1, 6);
    expect(params.get('b.weight').dataSync()[0]).toBeCloseTo(1 - 0.1 * 1.1, 6);
    tf.dispose(Object.values(grads));
    adam.dispose();
    params.dispose();
  });

  it('dropout: rate 0 is the plain forward; a rate changes it, and replays for the same seed', async () => {
    const config = g2pTask({ trainWords: 4, devWords: 1, dModel: 16 }).config as TranslatorConfig;
    const run = await freshModel(config, 3);
    const translator = asTranslator(run.model);
    const sources = [
      [5, 6, 7, 2],
      [8, 9, 2],
    ];
    const inputs = [
      [1, 40, 41],
      [1, 42],
    ];
    const logits = async (dropout?: Dropout) => {
      const t = translator.teacherForcedLogits(sources, inputs, dropout ? { dropout } : {});
      const values = await translator.device.read(t);
      translator.device.dispose(t);
      return values;
    };
    const plain = await logits();
    expect(await logits({ rate: 0, next: mulberry32(1) })).toEqual(plain);
    const dropped = await logits({ rate: 0.3, next: mulberry32(1) });
    expect(dropped).not.toEqual(plain);
    expect(await logits({ rate: 0.3, next: mulberry32(1) })).toEqual(dropped);
    expect(await logits({ rate: 0.3, next: mulberry32(2) })).not.toEqual(dropped);
    expect(await logits()).toEqual(plain);
    run.dispose();
  });
});

describe('model cards', () => {
  it('the metrics block is replaced in place, or appended when missing', () => {
    const card = `# m\n\nintro\n\n${CARD_START}\nold\n${CARD_END}\n\nafter\n`;
    expect(withMetrics(card, `${CARD_START}\nnew\n${CARD_END}`)).toBe(
      `# m\n\nintro\n\n${CARD_START}\nnew\n${CARD_END}\n\nafter\n`,
    );
    expect(withMetrics('# m\n', 'X')).toBe('# m\n\n## Metrics\n\nX\n');
  });
});
