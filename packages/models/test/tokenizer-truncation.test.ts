import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttnkitError } from '@attnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { pipeline, Tokenizer } from '../src/index.js';
import { FIXTURES, type FixtureName, fixtureFiles } from './helpers/fixtures.js';

const WORD_LEVEL = fixtureFiles('classifier-tiny').tokenizer;
const HF_RIGHT = { direction: 'Right', max_length: 3, strategy: 'LongestFirst', stride: 0 };

function withTruncation(truncation: unknown): Tokenizer {
  return Tokenizer.fromJSON({ ...WORD_LEVEL, truncation });
}

/** The AttnkitError that `run` throws; fails the test when it returns. */
function thrown(run: () => unknown): AttnkitError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AttnkitError);
    return error as AttnkitError;
  }
  throw new Error('expected an AttnkitError, nothing was thrown');
}

describe('tokenizer.json truncation', () => {
  const plain = Tokenizer.fromJSON(WORD_LEVEL);
  const text = 'the movie was very good';
  const all = plain.encode(text);

  it('direction Right keeps the first max_length ids, Left the last ones', () => {
    expect(all).toHaveLength(5);
    const right = withTruncation(HF_RIGHT);
    expect(right.maxLength).toBe(3);
    expect(right.tokens(right.encode(text))).toEqual(['the', 'movie', 'was']);
    const left = withTruncation({ ...HF_RIGHT, direction: 'Left' });
    expect(left.tokens(left.encode(text))).toEqual(['was', 'very', 'good']);
    expect(left.encode(text)).toEqual(all.slice(2));
  });

  it('OnlyFirst cuts a single sequence as LongestFirst does; a missing direction is Right', () => {
    const longest = withTruncation(HF_RIGHT);
    for (const t of [
      withTruncation({ ...HF_RIGHT, strategy: 'OnlyFirst' }),
      withTruncation({ max_length: 3, strategy: 'LongestFirst', stride: 0 }),
    ]) {
      expect(t.encode(text)).toEqual(longest.encode(text));
      expect(t.encode('bad film')).toEqual(plain.encode('bad film'));
    }
  });

  it('a text of at most max_length tokens is unchanged', () => {
    for (const direction of ['Right', 'Left']) {
      const t = withTruncation({ ...HF_RIGHT, direction, max_length: 5 });
      expect(t.encode(text)).toEqual(all);
      expect(t.encode('a bad plot')).toEqual(plain.encode('a bad plot'));
      expect(t.encode('')).toEqual([]);
    }
  });

  it('OnlySecond loads, but a single text longer than max_length has no second sequence to cut', () => {
    const t = withTruncation({ ...HF_RIGHT, strategy: 'OnlySecond' });
    expect(t.encode('bad film')).toEqual(plain.encode('bad film'));
    const error = thrown(() => t.encode(text));
    expect(error.argument).toBe('tokenizer.json:truncation.strategy');
    expect(error.message).toMatch(/5 tokens, over max_length = 3/);
  });

  const { stride: _s, ...noStride } = HF_RIGHT;
  const { strategy: _t, ...noStrategy } = HF_RIGHT;
  const { max_length: _m, ...noMaxLength } = HF_RIGHT;
  const malformed: [string, unknown, string][] = [
    ['a string', 'LongestFirst', 'truncation'],
    ['an array', [HF_RIGHT], 'truncation'],
    ['an unknown key', { ...HF_RIGHT, pad_to_multiple_of: 8 }, 'truncation.pad_to_multiple_of'],
    ['a lower-case direction', { ...HF_RIGHT, direction: 'right' }, 'truncation.direction'],
    ['a null direction', { ...HF_RIGHT, direction: null }, 'truncation.direction'],
    ['max_length 0', { ...HF_RIGHT, max_length: 0 }, 'truncation.max_length'],
    ['a negative max_length', { ...HF_RIGHT, max_length: -4 }, 'truncation.max_length'],
    ['a fractional max_length', { ...HF_RIGHT, max_length: 2.5 }, 'truncation.max_length'],
    ['max_length as a string', { ...HF_RIGHT, max_length: '256' }, 'truncation.max_length'],
    ['no max_length', noMaxLength, 'truncation.max_length'],
    ['a Python-style strategy', { ...HF_RIGHT, strategy: 'longest_first' }, 'truncation.strategy'],
    ['no strategy', noStrategy, 'truncation.strategy'],
    ['stride 1', { ...HF_RIGHT, stride: 1 }, 'truncation.stride'],
    ['stride as a string', { ...HF_RIGHT, stride: '0' }, 'truncation.stride'],
    ['no stride', noStride, 'truncation.stride'],
  ];
  it.each(malformed)('rejects %s, naming the field', (_, truncation, field) => {
    const error = thrown(() => withTruncation(truncation));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.argument).toBe(`tokenizer.json:${field}`);
    expect(error.message).toContain(field);
  });

  it.each<FixtureName>(['classifier-tiny', 'translator-tiny', 'translator-alibi'])(
    'the %s fixture (truncation null) still loads and does not truncate',
    (name) => {
      const json = fixtureFiles(name).tokenizer;
      expect(json.truncation).toBeNull();
      const t = Tokenizer.fromJSON(json);
      expect(t.maxLength).toBeUndefined();
      const long = 'a '.repeat(300);
      expect(t.encode(long).length).toBeGreaterThanOrEqual(300);
    },
  );
});

describe('the classifier pipeline applies the truncation of tokenizer.json', () => {
  // 20 words: beyond the fixture's max_positions = 16, so only a truncated text fits the model.
  const words = 'the movie was not good the plot was awful a very bad film is not great a fine plot is'.split(' ');
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['Right', words.slice(0, 6)],
    ['Left', words.slice(-6)],
  ])('direction %s: the long text classifies as its pre-truncated text does', async (direction, kept) => {
    const dir = mkdtempSync(join(tmpdir(), 'attnkit-truncation-'));
    dirs.push(dir);
    cpSync(join(FIXTURES, 'classifier-tiny'), dir, { recursive: true });
    writeFileSync(
      join(dir, 'tokenizer.json'),
      JSON.stringify({ ...WORD_LEVEL, truncation: { direction, max_length: 6, strategy: 'LongestFirst', stride: 0 } }),
    );
    const truncating = await pipeline('text-classification', dir, { device: 'reference' });
    const plain = await pipeline('text-classification', join(FIXTURES, 'classifier-tiny'), { device: 'reference' });
    try {
      expect(truncating.tokenizer.maxLength).toBe(6);
      await expect(plain.classify(words.join(' '))).rejects.toThrow(/max_positions = 16/);
      const got = await truncating.classify(words.join(' '), { topK: 3, returnAttentions: true });
      const want = await plain.classify(kept.join(' '), { topK: 3, returnAttentions: true });
      expect(got).toEqual(want);
      const otherSide = await plain.classify((direction === 'Right' ? words.slice(-6) : words.slice(0, 6)).join(' '), {
        topK: 3,
      });
      expect(otherSide.map((l) => l.score)).not.toEqual(got.map((l) => l.score));
      // The CLS token comes on top of max_length.
      expect(got[0].attentions?.keyTokens).toEqual(['<cls>', ...kept]);
    } finally {
      truncating.dispose();
      plain.dispose();
    }
  });
});
