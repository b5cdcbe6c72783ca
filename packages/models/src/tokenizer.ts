import { loadError, shown } from './errors.js';

/**
 * Word- and character-level tokenizers read from the `tokenizer.json` layout of Hugging Face tokenizers,
 * restricted to what these models need:
 *
 *   model          { type: "WordLevel", vocab: { token: id }, unk_token }
 *   pre_tokenizer  { type: "WhitespaceSplit" } | { type: "Whitespace" }              word level
 *                  { type: "Split", pattern: { Regex: "." }, behavior: "Isolated", invert: false }   character level
 *   normalizer     null | { type: "Lowercase" }
 *   decoder        null (tokens joined by spaces) | { type: "Fuse" } (joined as they are)
 *   added_tokens   [{ id, content, special, ... }], each also in the vocabulary
 *   truncation     null | { direction: "Right" | "Left", max_length: n ≥ 1, strategy, stride: 0 }
 *   padding, post_processor: null (the models add their own special tokens)
 *
 * Truncation: `encode` returns at most max_length ids; "Right" keeps the first ones, "Left" the last ones.
 * max_length bounds exactly the ids `encode` returns: the special tokens the models add (the classifier's CLS
 * for 'cls' pooling, the translator's EOS) come on top, so a model needs max_positions ≥ max_length + those.
 * (Hugging Face counts the post-processor's added tokens in max_length; here there is no post-processor.)
 * Strategies, for the one sequence these models encode: "LongestFirst" and "OnlyFirst" both cut it;
 * "OnlySecond" loads but, as in Hugging Face, encoding a text longer than max_length is an error (there is
 * no second sequence to cut). A missing direction is "Right" (Hugging Face's default for older files);
 * stride must be 0: overflowing windows are not produced. max_length 0, which Hugging Face accepts, would
 * drop every text and is refused.
 *
 * Anything else is an error naming the field: a file this class cannot follow exactly must not load.
 */
const FILE = 'tokenizer.json';
const ROOT_KEYS = [
  'version',
  'truncation',
  'padding',
  'added_tokens',
  'normalizer',
  'pre_tokenizer',
  'post_processor',
  'decoder',
  'model',
];
const TRUNCATION_KEYS = ['direction', 'max_length', 'strategy', 'stride'];
const ADDED_TOKEN_KEYS = ['id', 'content', 'single_word', 'lstrip', 'rstrip', 'normalized', 'special'];

type Splitter = (text: string) => string[];

interface Truncation {
  readonly direction: 'Right' | 'Left';
  readonly maxLength: number;
  readonly strategy: 'LongestFirst' | 'OnlyFirst' | 'OnlySecond';
}

export class Tokenizer {
  private readonly tokenToId: ReadonlyMap<string, number>;
  private readonly idToToken: ReadonlyMap<number, string>;
  private readonly special: ReadonlySet<number>;
  private readonly largestId: number;

  private constructor(
    vocab: Map<string, number>,
    special: Set<number>,
    private readonly unkId: number,
    private readonly lowercase: boolean,
    private readonly split: Splitter,
    private readonly joiner: string,
    private readonly truncation: Truncation | null,
  ) {
    this.tokenToId = vocab;
    this.idToToken = new Map([...vocab].map(([token, id]) => [id, token]));
    this.special = special;
    // A loop, not Math.max(...ids): spreading a vocabulary of ~120,000 ids or more overflows the call stack.
    let largest = -1;
    for (const id of vocab.values()) largest = Math.max(largest, id);
    this.largestId = largest;
  }

  /** Parses and validates a tokenizer.json document (text or parsed JSON). */
  static fromJSON(raw: unknown): Tokenizer {
    let json = raw;
    if (typeof raw === 'string') {
      try {
        json = JSON.parse(raw);
      } catch (error) {
        throw loadError(FILE, '(root)', `is not valid JSON (${(error as Error).message})`);
      }
    }
    const root = object(json, '(root)');
    for (const key of Object.keys(root))
      if (!ROOT_KEYS.includes(key)) throw loadError(FILE, key, 'is not a known key', ROOT_KEYS.join(', '), key);
    for (const key of ['padding', 'post_processor']) {
      if (root[key] !== undefined && root[key] !== null) throw loadError(FILE, key, 'is not supported (must be null)');
    }
    const model = object(root.model, 'model');
    if (model.type !== 'WordLevel')
      throw loadError(FILE, 'model.type', 'must be "WordLevel"', 'WordLevel', shown(model.type));
    for (const key of Object.keys(model))
      if (!['type', 'vocab', 'unk_token'].includes(key)) throw loadError(FILE, `model.${key}`, 'is not a known key');
    const vocab = readVocab(model.vocab);
    if (typeof model.unk_token !== 'string' || !vocab.has(model.unk_token)) {
      throw loadError(
        FILE,
        'model.unk_token',
        'must be a token of model.vocab',
        'a vocabulary token',
        shown(model.unk_token),
      );
    }
    const special = readAddedTokens(root.added_tokens, vocab);
    const truncation = readTruncation(root.truncation);
    return new Tokenizer(
      vocab,
      special,
      vocab.get(model.unk_token)!,
      readNormalizer(root.normalizer),
      readPreTokenizer(root.pre_tokenizer),
      readDecoder(root.decoder),
      truncation,
    );
  }

  /** The most ids `encode` returns (truncation.max_length), or undefined when the file does not truncate. */
  get maxLength(): number | undefined {
    return this.truncation?.maxLength;
  }

  /** The id of model.unk_token: what `encode` gives a piece that is not in the vocabulary. */
  get unknownId(): number {
    return this.unkId;
  }

  /** How many of the ids are the unknown token. */
  countUnknown(ids: readonly number[]): number {
    let count = 0;
    for (const id of ids) if (id === this.unkId) count++;
    return count;
  }

  /** Largest id + 1. */
  get vocabSize(): number {
    return this.largestId + 1;
  }

  /** Ids of the text, without special tokens, truncated to maxLength; unknown pieces become the unknown token. */
  encode(text: string): number[] {
    if (typeof text !== 'string') throw loadError('tokenizer', 'text', 'must be a string', 'string', typeof text);
    const normalized = this.lowercase ? text.toLowerCase() : text;
    const ids = this.split(normalized).map((piece) => this.tokenToId.get(piece) ?? this.unkId);
    return this.truncation ? truncate(ids, this.truncation) : ids;
  }

  /** The text of the ids; special tokens are skipped unless asked for. */
  decode(ids: readonly number[], { skipSpecialTokens = true } = {}): string {
    return this.tokens(ids.filter((id) => !(skipSpecialTokens && this.special.has(id)))).join(this.joiner);
  }

  /** One string per id (for attention-map labels). */
  tokens(ids: readonly number[]): string[] {
    return ids.map((id) => this.idToToken.get(id) ?? `<${id}>`);
  }

  idOf(token: string): number | undefined {
    return this.tokenToId.get(token);
  }

  isSpecial(id: number): boolean {
    return this.special.has(id);
  }
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw loadError(FILE, field, 'must be an object', 'object', shown(value));
  return value as Record<string, unknown>;
}

function readVocab(value: unknown): Map<string, number> {
  const vocab = new Map<string, number>();
  const seen = new Map<number, string>();
  for (const [token, id] of Object.entries(object(value, 'model.vocab'))) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0)
      throw loadError(FILE, `model.vocab.${token}`, 'must be an integer id ≥ 0', 'integer ≥ 0', shown(id));
    const other = seen.get(id);
    if (other !== undefined) throw loadError(FILE, `model.vocab.${token}`, `id ${id} is also used by ${shown(other)}`);
    seen.set(id, token);
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw loadError(FILE, 'model.vocab', 'must not be empty');
  return vocab;
}

function readAddedTokens(value: unknown, vocab: Map<string, number>): Set<number> {
  const special = new Set<number>();
  if (value === undefined) return special;
  if (!Array.isArray(value)) throw loadError(FILE, 'added_tokens', 'must be an array');
  value.forEach((raw, i) => {
    const field = `added_tokens[${i}]`;
    const entry = object(raw, field);
    for (const key of Object.keys(entry))
      if (!ADDED_TOKEN_KEYS.includes(key)) throw loadError(FILE, `${field}.${key}`, 'is not a known key');
    if (typeof entry.content !== 'string') throw loadError(FILE, `${field}.content`, 'must be a string');
    // Checked first: a token outside the vocabulary without an id would otherwise pass (undefined === undefined).
    if (!vocab.has(entry.content))
      throw loadError(FILE, `${field}.content`, `${shown(entry.content)} is not a token of model.vocab`);
    if (vocab.get(entry.content) !== entry.id) {
      throw loadError(
        FILE,
        `${field}.id`,
        `must be the vocabulary id of ${shown(entry.content)}`,
        String(vocab.get(entry.content)),
        shown(entry.id),
      );
    }
    if (typeof entry.special !== 'boolean') throw loadError(FILE, `${field}.special`, 'must be a boolean');
    if (entry.special) special.add(entry.id as number);
  });
  return special;
}

function readNormalizer(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  const n = object(value, 'normalizer');
  if (n.type !== 'Lowercase' || Object.keys(n).length !== 1)
    throw loadError(FILE, 'normalizer', 'must be null or { "type": "Lowercase" }', 'Lowercase', shown(n));
  return true;
}

function readPreTokenizer(value: unknown): Splitter {
  const p = object(value, 'pre_tokenizer');
  if (p.type === 'WhitespaceSplit' && Object.keys(p).length === 1)
    return (text) => text.split(/\s+/u).filter((s) => s !== '');
  if (p.type === 'Whitespace' && Object.keys(p).length === 1) return (text) => text.match(/\w+|[^\w\s]+/gu) ?? [];
  if (p.type === 'Split') {
    const pattern = object(p.pattern, 'pre_tokenizer.pattern');
    if (
      p.behavior !== 'Isolated' ||
      p.invert !== false ||
      typeof pattern.Regex !== 'string' ||
      Object.keys(p).length !== 4
    ) {
      throw loadError(
        FILE,
        'pre_tokenizer',
        'Split is supported with { pattern: { Regex }, behavior: "Isolated", invert: false }',
      );
    }
    let regex: RegExp;
    let matchesEmpty: boolean;
    try {
      regex = new RegExp(pattern.Regex, 'gu');
      // Running it compiles it: V8 reports a pattern too large to compile ("Regular expression too large")
      // only then, and that must happen here, typed, not at the first encode.
      matchesEmpty = regex.test('');
    } catch (error) {
      throw loadError(
        FILE,
        'pre_tokenizer.pattern.Regex',
        `is not a valid regular expression (${(error as Error).message})`,
      );
    }
    if (matchesEmpty) throw loadError(FILE, 'pre_tokenizer.pattern.Regex', 'must not match the empty string');
    return (text) => isolate(text, regex);
  }
  throw loadError(
    FILE,
    'pre_tokenizer',
    'must be WhitespaceSplit, Whitespace or an Isolated Split',
    'WhitespaceSplit | Whitespace | Split',
    shown(p),
  );
}

function readDecoder(value: unknown): string {
  if (value === undefined || value === null) return ' ';
  const d = object(value, 'decoder');
  if (d.type === 'Fuse' && Object.keys(d).length === 1) return '';
  throw loadError(FILE, 'decoder', 'must be null or { "type": "Fuse" }', 'null | Fuse', shown(d));
}

function readTruncation(value: unknown): Truncation | null {
  if (value === undefined || value === null) return null;
  const t = object(value, 'truncation');
  for (const key of Object.keys(t))
    if (!TRUNCATION_KEYS.includes(key))
      throw loadError(FILE, `truncation.${key}`, 'is not a known key', TRUNCATION_KEYS.join(', '), key);
  const direction = 'direction' in t ? t.direction : 'Right';
  if (direction !== 'Right' && direction !== 'Left')
    throw loadError(FILE, 'truncation.direction', 'must be "Right" or "Left"', 'Right | Left', shown(direction));
  const maxLength = t.max_length;
  if (typeof maxLength !== 'number' || !Number.isSafeInteger(maxLength) || maxLength < 1) {
    throw loadError(FILE, 'truncation.max_length', 'must be an integer ≥ 1', 'integer ≥ 1', shown(maxLength));
  }
  const strategy = t.strategy;
  if (strategy !== 'LongestFirst' && strategy !== 'OnlyFirst' && strategy !== 'OnlySecond') {
    throw loadError(
      FILE,
      'truncation.strategy',
      'must be "LongestFirst", "OnlyFirst" or "OnlySecond"',
      'LongestFirst | OnlyFirst | OnlySecond',
      shown(strategy),
    );
  }
  if (t.stride !== 0)
    throw loadError(
      FILE,
      'truncation.stride',
      'must be 0 (overflowing windows are not supported)',
      '0',
      shown(t.stride),
    );
  return { direction, maxLength, strategy };
}

function truncate(ids: number[], { direction, maxLength, strategy }: Truncation): number[] {
  if (ids.length <= maxLength) return ids;
  if (strategy === 'OnlySecond') {
    throw loadError(
      FILE,
      'truncation.strategy',
      `is "OnlySecond" but the text has ${ids.length} tokens, over max_length = ${maxLength}, and no second sequence to cut`,
    );
  }
  return direction === 'Right' ? ids.slice(0, maxLength) : ids.slice(ids.length - maxLength);
}

/** Split with behavior "Isolated": every match is a piece, and so is every non-empty stretch between matches. */
function isolate(text: string, regex: RegExp): string[] {
  const pieces: string[] = [];
  let cursor = 0;
  for (const match of text.matchAll(regex)) {
    if (match.index > cursor) pieces.push(text.slice(cursor, match.index));
    pieces.push(match[0]);
    cursor = match.index + match[0].length;
  }
  if (cursor < text.length) pieces.push(text.slice(cursor));
  return pieces;
}
