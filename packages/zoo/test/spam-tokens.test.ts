import { Tokenizer } from '@attnkit/models';
import { describe, expect, it } from 'vitest';
import { spamTokens } from '../src/data/spam-tokens.js';

const SAMPLES = [
  'FREE!!! Get $1,000,000 NOW -- click http://www.Example.com/?id=42&x=y',
  'Re: [SAdev] spam_assassin 2.41 release\nThanks,\tJustin.',
  'Café crème à 3€ — très   bon\u00a0prix (naïve_test)',
  '',
  '   \n\t ',
];

describe('spamTokens', () => {
  it('lowercases, then splits into word runs and punctuation runs', () => {
    expect(spamTokens('Hello, World!! Win $100 now_ok e-mail')).toEqual([
      'hello',
      ',',
      'world',
      '!!',
      'win',
      '$',
      '100',
      'now_ok',
      'e',
      '-',
      'mail',
    ]);
    expect(spamTokens('  \n ')).toEqual([]);
    // \w is ASCII: accented letters are pieces of their own, exactly as in the model's tokenizer.
    expect(spamTokens('Café')).toEqual(['caf', 'é']);
  });

  it('gives the same pieces as a Whitespace + Lowercase tokenizer.json in @attnkit/models', () => {
    for (const text of SAMPLES) {
      const pieces = spamTokens(text);
      const vocab: Record<string, number> = { '<unk>': 0 };
      for (const piece of pieces) vocab[piece] ??= Object.keys(vocab).length;
      const tokenizer = Tokenizer.fromJSON({
        version: '1.0',
        added_tokens: [],
        normalizer: { type: 'Lowercase' },
        pre_tokenizer: { type: 'Whitespace' },
        model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
      });
      expect(tokenizer.tokens(tokenizer.encode(text))).toEqual(pieces);
    }
  });
});
