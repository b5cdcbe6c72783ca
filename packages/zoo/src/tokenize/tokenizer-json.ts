/**
 * Writes the `tokenizer.json` subset that @attnkit/models' Tokenizer reads (Hugging Face layout, WordLevel).
 * Ids: the four special tokens first (<pad> 0, <s> 1, </s> 2, <unk> 3), then `tokens` in order.
 */
export const SPECIAL_TOKENS = ['<pad>', '<s>', '</s>', '<unk>'] as const;
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;

export interface TokenizerSpec {
  readonly tokens: readonly string[];
  /** A regex for an Isolated Split (every match a piece), or 'Whitespace' (\w+|[^\w\s]+). */
  readonly split: { readonly regex: string } | 'Whitespace';
  readonly lowercase: boolean;
  /** 'fuse' joins decoded tokens as they are; 'space' joins them with spaces. */
  readonly decoder: 'fuse' | 'space';
  readonly maxLength?: number;
}

export function tokenizerJson(spec: TokenizerSpec): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  [...SPECIAL_TOKENS, ...spec.tokens].forEach((token, id) => {
    if (token in vocab) throw new Error(`token ${JSON.stringify(token)} appears twice`);
    vocab[token] = id;
  });
  return {
    version: '1.0',
    truncation:
      spec.maxLength === undefined
        ? null
        : { direction: 'Right', max_length: spec.maxLength, strategy: 'LongestFirst', stride: 0 },
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: spec.lowercase ? { type: 'Lowercase' } : null,
    pre_tokenizer:
      spec.split === 'Whitespace'
        ? { type: 'Whitespace' }
        : { type: 'Split', pattern: { Regex: spec.split.regex }, behavior: 'Isolated', invert: false },
    post_processor: null,
    decoder: spec.decoder === 'fuse' ? { type: 'Fuse' } : null,
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  };
}
