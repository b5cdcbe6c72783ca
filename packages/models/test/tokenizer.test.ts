import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/index.js';
import { fixtureFiles } from './helpers/fixtures.js';

describe('Tokenizer', () => {
  it('character level: every character is a token, unknown ones become <unk>, decoding fuses', () => {
    const t = Tokenizer.fromJSON(fixtureFiles('translator-tiny').tokenizer);
    const ids = t.encode('Ab c!');
    expect(t.tokens(ids)).toEqual(['a', 'b', ' ', 'c', '<unk>']);
    expect(t.decode(t.encode('hello world'))).toBe('hello world');
    expect(t.decode([1, ...t.encode('ab'), 2, 0])).toBe('ab');
    expect(t.decode([1, 4, 2], { skipSpecialTokens: false })).toBe('<s>a</s>');
  });

  it('keeps the text between matches of an isolated split as pieces', () => {
    const json = fixtureFiles('translator-tiny').tokenizer as Record<string, unknown>;
    const t = Tokenizer.fromJSON({
      ...json,
      pre_tokenizer: { type: 'Split', pattern: { Regex: '[0-9]' }, behavior: 'Isolated', invert: false },
    });
    expect(t.tokens(t.encode('ab1c'))).toEqual(['<unk>', '<unk>', 'c']);
  });

  it('word level: whitespace split, lowercased, joined by spaces', () => {
    const t = Tokenizer.fromJSON(JSON.stringify(fixtureFiles('classifier-tiny').tokenizer));
    expect(t.tokens(t.encode('  The   movie\twas GOOD '))).toEqual(['the', 'movie', 'was', 'good']);
    expect(t.decode(t.encode('a very good film'))).toBe('a very good film');
    expect(t.tokens(t.encode('boring film'))).toEqual(['<unk>', 'film']);
    expect(t.isSpecial(4)).toBe(true);
    expect(t.vocabSize).toBe(20);
  });

  it('the Whitespace pre-tokenizer splits punctuation from words', () => {
    const json = fixtureFiles('classifier-tiny').tokenizer as Record<string, unknown>;
    const t = Tokenizer.fromJSON({ ...json, pre_tokenizer: { type: 'Whitespace' } });
    expect(t.tokens(t.encode('good, bad!'))).toEqual(['good', '<unk>', 'bad', '<unk>']);
  });
});
