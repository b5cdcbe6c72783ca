import { mulberry32, type Random } from '@attnkit/core';

/**
 * Seeded mutations of model files for the hostile-file fuzz: `mutate(kind, original, seed)` returns one
 * corrupted copy of a safetensors file, a config.json or a tokenizer.json, the same for the same seed on any
 * machine (mulberry32 from core). Pure: no Node built-ins, no loader code, so any test can replay a case.
 *
 * Operators, by family:
 *   bytes      truncations, bit flips, interesting bytes (0x00, 0xff, a lone UTF-8 lead byte, JSON punctuation),
 *              inserted, deleted, duplicated and appended ranges, a BOM, UTF-16
 *   tree       a value of the parsed JSON replaced (other types, edge numbers), nudged, deleted, swapped; a key
 *              added (unknown names, prototype names such as `constructor`) or renamed
 *   size       huge declared sizes (2^31 … 2^60, 1e308), deep JSON (100,000 nested arrays or objects),
 *              100 MB strings (as values and as keys), 1,000,000-element arrays, a 200,000-token vocabulary
 *              (HostileSizes: the short tier's strings, arrays and vocabulary are 10 times smaller)
 *   safetensors  the header length (0 … 2^64 − 1), dtypes (F16, BF16, I32, prototype names, ...), shapes,
 *              overlapping, shifted and out-of-range data_offsets, 2^60-byte tensors, renamed, removed, extra
 *              and duplicate tensors, metadata, NaN and ∞ in the data
 *
 * `mustFail` marks a mutation that certainly makes the files invalid (a data byte cut off, an unknown key in
 * a closed object, a dtype other than F32, ...): such a case loading is a bug even without a crash.
 */
export const FILE_KINDS = ['safetensors', 'config', 'tokenizer'] as const;
export type FileKind = (typeof FILE_KINDS)[number];
export const FILE_NAMES = {
  safetensors: 'model.safetensors',
  config: 'config.json',
  tokenizer: 'tokenizer.json',
} as const satisfies Record<FileKind, string>;

/**
 * How big the size operators make things. The full tier's 100 MB strings and 200,000-token vocabularies
 * (past what a spread into Math.max takes) cost about a second each to build and load twice; the short tier
 * (in `pnpm test`) draws the same cases with 10 MB strings, 100,000-element arrays and 20,000 tokens
 * (loading-hostile.test.ts keeps a 200,000-token case). Nesting stays 100,000 deep in both tiers: it is
 * cheap, and it overflows any recursive walk.
 */
export interface HostileSizes {
  readonly stringBytes: number;
  readonly nesting: number;
  readonly arrayLength: number;
  readonly vocabulary: number;
}
export const FULL_SIZES: HostileSizes = {
  stringBytes: 100_000_000,
  nesting: 100_000,
  arrayLength: 1_000_000,
  vocabulary: 200_000,
};
export const SHORT_SIZES: HostileSizes = {
  ...FULL_SIZES,
  stringBytes: 10_000_000,
  arrayLength: 100_000,
  vocabulary: 20_000,
};

export interface Mutation {
  readonly bytes: Uint8Array;
  /** The operator, e.g. `safetensors.offsets` or `json.huge-string`: the rows of the fuzz's second table. */
  readonly operator: string;
  /** What exactly changed, short (for a failure report). */
  readonly detail: string;
  readonly mustFail: boolean;
}

/** The seed of case `index` of a file kind: distinct streams per kind, stable across runs. */
export function caseSeed(kind: FileKind, index: number): number {
  return (Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(FILE_KINDS.indexOf(kind) + 1, 0x85ebca6b)) >>> 0;
}

export function mutate(kind: FileKind, original: Uint8Array, seed: number, sizes = FULL_SIZES): Mutation {
  const draw = new Draw(mulberry32(seed), sizes);
  return kind === 'safetensors' ? mutateSafetensors(original, draw) : mutateJson(kind, original, draw);
}

class Draw {
  constructor(
    private readonly rng: Random,
    readonly sizes: HostileSizes,
  ) {}
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.rng() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.rng() < p;
  }
  /** One of the operators, in proportion to its weight. */
  weighted<T>(table: readonly (readonly [number, T])[]): T {
    let r = this.rng() * table.reduce((s, [w]) => s + w, 0);
    for (const [w, item] of table) {
      r -= w;
      if (r < 0) return item;
    }
    return table[table.length - 1][1];
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Numbers that break sizes, counts, ids and dtypes; the huge ones are declared sizes nothing may allocate. */
const EDGE_NUMBERS = [0, -0, 1, -1, 2, 3, 0.5, -0.5, 1e-7, 5e-324, 7, 255, 256, 65_535, 65_536, -(2 ** 31)];
const HUGE_NUMBERS = [
  2 ** 24,
  2 ** 30,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 40,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 60,
  2 ** 64,
  1e21,
];
const HUGE_FLOATS = [1e308, -1e308, 1.7976931348623157e308];
const OTHER_VALUES: unknown[] = [null, true, false, '', '0', '16', 'x', 'F32', 'NaN', [], {}, [0], [1, 2], { a: 1 }];
/** Keys that are not in any schema, including names every plain object inherits. */
const UNKNOWN_KEYS = [
  'bogus',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
  'D_MODEL',
  ' ',
  '',
];
const DTYPES: unknown[] = [
  'F16',
  'BF16',
  'F64',
  'I64',
  'I32',
  'I16',
  'I8',
  'U8',
  'U16',
  'U64',
  'BOOL',
  'F8_E4M3',
  'f32',
  'F32 ',
  'F32\u0000',
  'constructor',
  'toString',
  '__proto__',
  'valueOf',
  '',
  4,
  null,
  ['F32'],
  { F32: 1 },
];
const INTERESTING_BYTES = [
  0x00, 0xff, 0x7f, 0x80, 0xc3, 0xed, 0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x2c, 0x3a, 0x5c, 0x20, 0x30,
];

// ---------------------------------------------------------------------------------------------- bytes

function mutateBytes(bytes: Uint8Array, draw: Draw, family: string, region: readonly [number, number]): Mutation {
  const [lo, hi] = region;
  const at = () => lo + draw.int(Math.max(1, hi - lo));
  const op = draw.weighted([
    [4, 'truncate'],
    [4, 'flip-bits'],
    [3, 'set-bytes'],
    [2, 'insert'],
    [2, 'delete'],
    [1, 'duplicate'],
    [1, 'append'],
  ] as const);
  const operator = `${family}.${op}`;
  switch (op) {
    case 'truncate': {
      const length = draw.chance(0.2) ? draw.pick([0, 1, 7, 8, 9, bytes.length - 1]) : at();
      const cut = Math.max(0, Math.min(bytes.length - 1, length));
      return {
        bytes: bytes.slice(0, cut),
        operator,
        detail: `truncated to ${cut} of ${bytes.length} bytes`,
        mustFail: false,
      };
    }
    case 'flip-bits': {
      const out = bytes.slice();
      const flips = 1 + draw.int(8);
      const where: string[] = [];
      for (let i = 0; i < flips; i++) {
        const p = at();
        const bit = draw.int(8);
        out[p] ^= 1 << bit;
        where.push(`${p}:${bit}`);
      }
      return { bytes: out, operator, detail: `bits flipped at ${where.join(' ')}`, mustFail: false };
    }
    case 'set-bytes': {
      const out = bytes.slice();
      const count = 1 + draw.int(4);
      const where: string[] = [];
      for (let i = 0; i < count; i++) {
        const p = at();
        out[p] = draw.pick(INTERESTING_BYTES);
        where.push(`${p}=0x${out[p].toString(16)}`);
      }
      return { bytes: out, operator, detail: `bytes set ${where.join(' ')}`, mustFail: false };
    }
    case 'insert': {
      const p = at();
      const inserted = Uint8Array.from({ length: 1 + draw.int(16) }, () =>
        draw.chance(0.5) ? draw.pick(INTERESTING_BYTES) : draw.int(256),
      );
      return {
        bytes: concat(bytes.subarray(0, p), inserted, bytes.subarray(p)),
        operator,
        detail: `${inserted.length} bytes inserted at ${p}`,
        mustFail: false,
      };
    }
    case 'delete': {
      const p = at();
      const n = 1 + draw.int(Math.min(64, Math.max(1, bytes.length - p)));
      return {
        bytes: concat(bytes.subarray(0, p), bytes.subarray(p + n)),
        operator,
        detail: `${n} bytes deleted at ${p}`,
        mustFail: false,
      };
    }
    case 'duplicate': {
      const p = at();
      const n = 1 + draw.int(256);
      return {
        bytes: concat(bytes.subarray(0, p + n), bytes.subarray(p, p + n), bytes.subarray(p + n)),
        operator,
        detail: `${n} bytes at ${p} repeated`,
        mustFail: false,
      };
    }
    case 'append': {
      const tail = Uint8Array.from({ length: 1 + draw.int(64) }, () => draw.int(256));
      return { bytes: concat(bytes, tail), operator, detail: `${tail.length} bytes appended`, mustFail: false };
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

// ----------------------------------------------------------------------------------------------- JSON

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Slot {
  /** The container holding the value (null for the root). */
  readonly parent: Json[] | Record<string, Json> | null;
  readonly key: string | number;
  readonly path: string;
}

/** Every value of the tree with where it sits, root first (iterative: fixtures are small but trees need not be). */
function slots(root: Json): Slot[] {
  const out: Slot[] = [{ parent: null, key: '', path: '' }];
  const stack: { value: Json; path: string }[] = [{ value: root, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    const entries: [string | number, Json][] = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.entries(value);
    for (const [key, child] of entries) {
      const childPath = path === '' ? String(key) : `${path}.${key}`;
      out.push({ parent: value, key, path: childPath });
      stack.push({ value: child, path: childPath });
    }
  }
  return out;
}

function valueAt(root: Json, slot: Slot): Json {
  return slot.parent === null ? root : (slot.parent as Record<string, Json>)[slot.key as string];
}

/** Sets an own, enumerable property even for `__proto__`, so JSON.stringify writes it as a key. */
function setOwn(target: Record<string, Json> | Json[], key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Objects whose keys the loaders check against a fixed list: an unknown key there must be refused. */
function isClosed(kind: FileKind, path: string): boolean {
  if (kind === 'config') return path === '';
  if (kind === 'tokenizer') return path === '' || path === 'model' || /^added_tokens\.\d+$/.test(path);
  return false; // safetensors: its operators say themselves which mutations must fail
}

/** A placeholder JSON.stringify keeps as is, replaced afterwards by text too big or too deep to build as a value. */
const HOLE = 'ATTNKIT_FUZZ_HOLE';

function deepText(draw: Draw): { text: string; detail: string } {
  const n = draw.sizes.nesting;
  switch (draw.int(3)) {
    case 0:
      return { text: '['.repeat(n) + ']'.repeat(n), detail: `${n} nested arrays` };
    case 1:
      return { text: `${'{"a":'.repeat(n)}0${'}'.repeat(n)}`, detail: `${n} nested objects` };
    default:
      return { text: `${'[{"a":'.repeat(n / 2)}null${'}]'.repeat(n / 2)}`, detail: `${n} nested arrays and objects` };
  }
}

function hugeStringText(draw: Draw): { text: string; detail: string } {
  const bytes = draw.sizes.stringBytes;
  if (draw.chance(0.5)) return { text: `"${'a'.repeat(bytes)}"`, detail: `${megabytes(bytes)} ASCII string` };
  return { text: `"${'€'.repeat(bytes / 3)}"`, detail: `${megabytes(bytes)} string of 3-byte characters` };
}

function longArrayText(draw: Draw): { text: string; detail: string } {
  const n = draw.sizes.arrayLength;
  return { text: `[${'0,'.repeat(n - 1)}0]`, detail: `${n}-element array` };
}

function megabytes(bytes: number): string {
  return `${bytes / 1e6} MB`;
}

function mutateJson(kind: FileKind, original: Uint8Array, draw: Draw): Mutation {
  const family = draw.weighted([
    [30, 'bytes'],
    [55, 'tree'],
    [11, 'size'],
    [4, 'file'],
  ] as const);
  if (family === 'bytes') return mutateBytes(original, draw, 'json.bytes', [0, original.length]);
  if (family === 'file') return wholeFile(draw);
  const root = JSON.parse(decoder.decode(original)) as Json;
  if (family === 'size') return sizeMutation(kind, root, draw, 'json');
  if (kind === 'tokenizer' && draw.chance(0.12)) return tokenizerMutation(root as Record<string, Json>, draw);
  return treeMutation(kind, root, draw, 'json', (tree) => encoder.encode(JSON.stringify(tree)));
}

/** A whole file replaced: empty, another JSON type, deep, 100 MB, not UTF-8. */
function wholeFile(draw: Draw): Mutation {
  const pick = draw.int(7);
  const operator = 'json.file';
  if (pick === 0) {
    const text = draw.pick(['', 'null', '[]', '0', '"config"', 'true', '{', '}', '\u0000']);
    return { bytes: encoder.encode(text), operator, detail: `file is ${JSON.stringify(text)}`, mustFail: true };
  }
  if (pick <= 2) {
    const { text, detail } = deepText(draw);
    return { bytes: encoder.encode(text), operator: 'json.deep', detail: `file is ${detail}`, mustFail: true };
  }
  if (pick === 3) {
    const { text, detail } = hugeStringText(draw);
    return { bytes: encoder.encode(text), operator: 'json.huge-string', detail: `file is a ${detail}`, mustFail: true };
  }
  if (pick === 4) {
    const bytes = Uint8Array.from({ length: 1 + draw.int(4096) }, () => draw.int(256));
    return { bytes, operator, detail: `file is ${bytes.length} random bytes`, mustFail: true };
  }
  if (pick === 5) {
    const utf16 = new Uint8Array(new Uint16Array(Array.from('{"model_type":"x"}', (c) => c.charCodeAt(0))).buffer);
    return { bytes: utf16, operator, detail: 'file is UTF-16', mustFail: true };
  }
  return {
    bytes: Uint8Array.from([0xff, 0xfe, 0x7b, 0x7d]),
    operator,
    detail: 'file starts with a UTF-16 byte order mark',
    mustFail: true,
  };
}

/** Huge numbers, deep nesting, 100 MB strings (values or keys) and 1,000,000-element arrays inside the tree. */
function sizeMutation(kind: FileKind, root: Json, draw: Draw, family: string): Mutation {
  const all = slots(root).slice(1);
  const numeric = all.filter((s) => typeof valueAt(root, s) === 'number');
  const op = draw.weighted([
    [10, 'huge-number'],
    [4, 'deep'],
    [2, 'huge-string'],
    [1, 'huge-key'],
    [2, 'long-array'],
  ] as const);
  const serialize = (tree: Json, hole: string) =>
    encoder.encode(JSON.stringify(tree).replace(JSON.stringify(HOLE), () => hole));
  if (op === 'huge-number') {
    const slot = draw.pick(numeric.length > 0 ? numeric : all);
    const value = draw.chance(0.8) ? draw.pick(HUGE_NUMBERS) : draw.pick(HUGE_FLOATS);
    setOwn(slot.parent!, slot.key, value);
    return {
      bytes: encoder.encode(JSON.stringify(root)),
      operator: `${family}.huge-number`,
      detail: `${slot.path} = ${value}`,
      mustFail: false,
    };
  }
  if (op === 'huge-key') {
    const objects = [{ parent: null, key: '', path: '' } as Slot, ...all].filter((s) => {
      const v = valueAt(root, s);
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    });
    const slot = draw.pick(objects);
    const target = valueAt(root, slot) as Record<string, Json>;
    setOwn(target, HOLE, 0);
    return {
      bytes: serialize(root, `"${'k'.repeat(draw.sizes.stringBytes)}"`),
      operator: `${family}.huge-key`,
      detail: `a ${megabytes(draw.sizes.stringBytes)} key added to ${slot.path || '(root)'}`,
      mustFail: isClosed(kind, slot.path),
    };
  }
  const slot = draw.pick(all);
  setOwn(slot.parent!, slot.key, HOLE);
  const { text, detail } =
    op === 'deep' ? deepText(draw) : op === 'huge-string' ? hugeStringText(draw) : longArrayText(draw);
  return {
    bytes: serialize(root, text),
    operator: `${family}.${op}`,
    detail: `${slot.path} = ${detail}`,
    mustFail: false,
  };
}

/** Edits of the parsed tree: values replaced, nudged, deleted, swapped; keys added or renamed. */
function treeMutation(
  kind: FileKind,
  root: Json,
  draw: Draw,
  family: string,
  serialize: (tree: Json) => Uint8Array,
): Mutation {
  const all = slots(root).slice(1);
  const objects = [{ parent: null, key: '', path: '' } as Slot, ...all].filter((s) => {
    const v = valueAt(root, s);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
  const op = draw.weighted([
    [6, 'replace'],
    [3, 'nudge'],
    [3, 'delete'],
    [3, 'add-key'],
    [2, 'rename-key'],
    [1, 'swap'],
  ] as const);
  const operator = `${family}.${op}`;
  const done = (detail: string, mustFail = false): Mutation => ({ bytes: serialize(root), operator, detail, mustFail });
  switch (op) {
    case 'replace': {
      const slot = draw.pick(all);
      const old = valueAt(root, slot);
      const value = draw.weighted<() => unknown>([
        [3, () => draw.pick(EDGE_NUMBERS)],
        [3, () => draw.pick(OTHER_VALUES)],
        [2, () => retyped(old)],
      ])() as Json;
      setOwn(slot.parent!, slot.key, value);
      return done(`${slot.path} = ${JSON.stringify(value)}`);
    }
    case 'nudge': {
      const numeric = all.filter((s) => typeof valueAt(root, s) === 'number');
      if (numeric.length === 0) return treeMutation(kind, root, draw, family, serialize);
      const slot = draw.pick(numeric);
      const old = valueAt(root, slot) as number;
      const value = draw.pick([old + 1, old - 1, old * 2, Math.floor(old / 2), -old, old + 0.5, old * 1024]);
      setOwn(slot.parent!, slot.key, value);
      return done(`${slot.path} = ${value} (was ${old})`);
    }
    case 'delete': {
      const slot = draw.pick(all);
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete (slot.parent as Record<string, Json>)[slot.key];
      return done(`${slot.path} deleted`);
    }
    case 'add-key': {
      const slot = draw.pick(objects);
      const target = valueAt(root, slot) as Record<string, Json>;
      const key = draw.pick(UNKNOWN_KEYS);
      if (Object.hasOwn(target, key)) return treeMutation(kind, root, draw, family, serialize);
      const value = draw.pick([...EDGE_NUMBERS, ...OTHER_VALUES]) as Json;
      setOwn(target, key, value);
      return done(
        `${slot.path || '(root)'}.${JSON.stringify(key)} = ${JSON.stringify(value)} added`,
        isClosed(kind, slot.path),
      );
    }
    case 'rename-key': {
      const keyed = all.filter((s) => s.parent !== null && !Array.isArray(s.parent));
      const slot = draw.pick(keyed);
      const parent = slot.parent as Record<string, Json>;
      const key = slot.key as string;
      const renamed = draw.pick([key.toUpperCase(), `${key}_`, `_${key}`, key.replace(/_/g, ''), `${key} `]);
      if (renamed === key || Object.hasOwn(parent, renamed)) return treeMutation(kind, root, draw, family, serialize);
      const value = parent[key];
      delete parent[key];
      setOwn(parent, renamed, value);
      const parentPath = slot.path.slice(0, Math.max(0, slot.path.length - key.length - 1));
      return done(`${slot.path} renamed ${JSON.stringify(renamed)}`, isClosed(kind, parentPath));
    }
    case 'swap': {
      const a = draw.pick(all);
      const siblings = all.filter((s) => s.parent === a.parent && s.key !== a.key);
      if (siblings.length === 0) return treeMutation(kind, root, draw, family, serialize);
      const b = draw.pick(siblings);
      const va = valueAt(root, a);
      setOwn(a.parent!, a.key, valueAt(root, b));
      setOwn(b.parent!, b.key, va);
      return done(`${a.path} and ${b.path} swapped`);
    }
  }
}

/** The same value as another JSON type: 16 → "16" or [16], "pre" → 0 or ["pre"], ... */
function retyped(value: Json): Json {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return Number.isNaN(Number(value)) ? [value] : Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v]));
  if (value === null) return 'null';
  return Object.values(value);
}

/** Tokenizer-specific: a 200,000-token vocabulary, ids beyond any table, hostile split patterns. */
function tokenizerMutation(root: Record<string, Json>, draw: Draw): Mutation {
  const model = root.model as Record<string, Json>;
  const vocab = model.vocab as Record<string, number>;
  // A 200,000-token vocabulary costs about a second to build and load twice: the rarest of the three.
  const op = draw.weighted([
    [1, 0],
    [3, 1],
    [3, 2],
  ] as const);
  if (op === 0) {
    const next = Math.max(...Object.values(vocab)) + 1;
    const n = draw.sizes.vocabulary;
    setOwn(vocab, HOLE, 0);
    const added = Array.from({ length: n }, (_, i) => `"tok${i}":${next + i}`).join(',');
    return {
      bytes: encoder.encode(JSON.stringify(root).replace(`${JSON.stringify(HOLE)}:0`, () => added)),
      operator: 'tokenizer.big-vocab',
      detail: `${n} tokens added to model.vocab (ids beyond vocab_size)`,
      mustFail: true,
    };
  }
  if (op === 1) {
    const token = draw.pick(Object.keys(vocab));
    const id = draw.pick([...HUGE_NUMBERS, -1, 1.5]);
    vocab[token] = id;
    return {
      bytes: encoder.encode(JSON.stringify(root)),
      operator: 'tokenizer.vocab-id',
      detail: `model.vocab.${token} = ${id}`,
      mustFail: true,
    };
  }
  const regex = draw.pick([
    '.',
    '',
    '(',
    '(a*)*b',
    '\\',
    '[',
    '.*',
    'a'.repeat(1_000_000),
    '('.repeat(10_000) + ')'.repeat(10_000),
    '(?<n>.)\\k<n>',
    '\\p{L}',
    '\\p{Bogus}',
  ]);
  root.pre_tokenizer = { type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false };
  const head = JSON.stringify(regex.length > 40 ? `${regex.slice(0, 40)}…` : regex);
  return {
    bytes: encoder.encode(JSON.stringify(root)),
    operator: 'tokenizer.split-regex',
    detail: `pre_tokenizer Split on ${head} (${regex.length} characters)`,
    mustFail: false,
  };
}

// ---------------------------------------------------------------------------------------------- safetensors

interface Layout {
  readonly header: Record<string, Json>;
  readonly headerLength: number;
  readonly data: Uint8Array;
}

function layoutOf(bytes: Uint8Array): Layout {
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return {
    header: JSON.parse(decoder.decode(bytes.subarray(8, 8 + headerLength))),
    headerLength,
    data: bytes.subarray(8 + headerLength),
  };
}

/** A safetensors file from a header text and data bytes; `declared` overrides the header length field. */
function assemble(headerText: string | Uint8Array, data: Uint8Array, declared?: bigint): Uint8Array {
  const json = typeof headerText === 'string' ? encoder.encode(headerText) : headerText;
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

interface Entry {
  dtype: Json;
  shape: Json;
  data_offsets: Json;
}

function mutateSafetensors(original: Uint8Array, draw: Draw): Mutation {
  const layout = layoutOf(original);
  const { header, data, headerLength } = layout;
  const names = Object.keys(header).filter((n) => n !== '__metadata__');
  const entry = (name: string) => header[name] as unknown as Entry;
  const byOffset = [...names].sort(
    (a, b) => (entry(a).data_offsets as number[])[0] - (entry(b).data_offsets as number[])[0],
  );
  const rebuilt = (detail: string, operator: string, mustFail: boolean, text = JSON.stringify(header)): Mutation => ({
    bytes: assemble(text, data),
    operator: `safetensors.${operator}`,
    detail,
    mustFail,
  });
  const family = draw.weighted([
    [10, 'truncate'],
    [12, 'bytes'],
    [8, 'header-length'],
    [10, 'dtype'],
    [10, 'shape'],
    [12, 'offsets'],
    [6, 'big-tensor'],
    [8, 'names'],
    [6, 'metadata'],
    [6, 'header-text'],
    [4, 'size'],
    [8, 'data'],
  ] as const);
  switch (family) {
    case 'truncate': {
      // Any cut drops data bytes the header accounts for.
      const cut = draw.chance(0.3) ? 8 + draw.int(headerLength) : 8 + headerLength + draw.int(data.length);
      return {
        bytes: original.slice(0, cut),
        operator: 'safetensors.truncate',
        detail: `truncated to ${cut} of ${original.length} bytes`,
        mustFail: true,
      };
    }
    case 'bytes': {
      const inHeader = draw.chance(0.6);
      const region: [number, number] = inHeader ? [0, 8 + headerLength] : [8 + headerLength, original.length];
      return mutateBytes(original, draw, `safetensors.bytes-${inHeader ? 'header' : 'data'}`, region);
    }
    case 'header-length': {
      const n = headerLength;
      const declared = draw.pick([
        0n,
        1n,
        2n,
        7n,
        BigInt(n - 1),
        BigInt(n + 1),
        BigInt(n + 8),
        BigInt(original.length),
        BigInt(original.length - 8),
        BigInt(original.length - 7),
        2n ** 31n,
        2n ** 32n,
        2n ** 53n,
        2n ** 60n,
        2n ** 63n,
        2n ** 64n - 1n,
      ]);
      return {
        bytes: assemble(original.subarray(8, 8 + n), data, declared),
        operator: 'safetensors.header-length',
        detail: `header length ${declared} (is ${n})`,
        mustFail: true,
      };
    }
    case 'dtype': {
      const name = draw.pick(names);
      const e = entry(name);
      const dtype = draw.pick(DTYPES) as Json;
      e.dtype = dtype;
      const shape = e.shape as number[];
      // Keep the byte count right where the dtype's size allows, so the reader's own checks pass.
      if ((dtype === 'F16' || dtype === 'BF16' || dtype === 'I16') && shape.length > 0) shape[shape.length - 1] *= 2;
      if ((dtype === 'F64' || dtype === 'I64') && shape.length > 0 && shape[shape.length - 1] % 2 === 0)
        shape[shape.length - 1] /= 2;
      if ((dtype === 'U8' || dtype === 'BOOL' || dtype === 'I8') && shape.length > 0) shape[shape.length - 1] *= 4;
      return rebuilt(`${name}.dtype = ${JSON.stringify(dtype)}`, 'dtype', true);
    }
    case 'shape': {
      const name = draw.pick(names);
      const e = entry(name);
      const before = JSON.stringify(e.shape);
      const shape = [...(e.shape as number[])] as Json[];
      const op = draw.int(7);
      if (op === 0 && shape.length > 0) shape[draw.int(shape.length)] = draw.pick(HUGE_NUMBERS);
      else if (op === 1 && shape.length > 0) shape[draw.int(shape.length)] = draw.pick(EDGE_NUMBERS);
      else if (op === 2) shape.push(draw.pick([1, 0, 2]));
      else if (op === 3) shape.pop();
      else if (op === 4) shape.reverse();
      else if (op === 5) shape.push(...Array.from({ length: 64 }, () => 2 ** 53 - 1), 0);
      else e.shape = draw.pick(OTHER_VALUES) as Json;
      if (op !== 6) e.shape = shape;
      const after = JSON.stringify(e.shape);
      return rebuilt(`${name}.shape = ${after} (was ${before})`, 'shape', after !== before);
    }
    case 'offsets': {
      const i = draw.int(byOffset.length);
      const name = byOffset[i];
      const e = entry(name);
      const [begin, end] = e.data_offsets as number[];
      const size = end - begin;
      const prev = i > 0 ? (entry(byOffset[i - 1]).data_offsets as number[]) : [0, 0];
      const op = draw.int(8);
      let offsets: Json;
      if (op === 0)
        offsets = [prev[0], prev[0] + size]; // on top of the previous tensor
      else if (op === 1) offsets = [begin - 4, end - 4];
      else if (op === 2) offsets = [begin + 4, end + 4];
      else if (op === 3) offsets = [begin, draw.pick([...HUGE_NUMBERS, data.length + 1])];
      else if (op === 4) offsets = [end, begin];
      else if (op === 5) offsets = draw.pick([[begin], [begin, end, end], [], [-begin - 1, end], [begin + 0.5, end]]);
      else if (op === 6) offsets = draw.pick(OTHER_VALUES) as Json;
      else {
        // Two tensors swap ranges: the same bytes, each read as the other (loads when the sizes match).
        const otherName = draw.pick(byOffset);
        const other = entry(otherName);
        const otherSize = (other.data_offsets as number[])[1] - (other.data_offsets as number[])[0];
        [e.data_offsets, other.data_offsets] = [other.data_offsets, e.data_offsets];
        return rebuilt(`${name} and ${otherName} swap data_offsets`, 'offsets', otherSize !== size);
      }
      e.data_offsets = offsets;
      const changed = JSON.stringify(offsets) !== JSON.stringify([begin, end]);
      return rebuilt(`${name}.data_offsets = ${JSON.stringify(offsets)} (was [${begin},${end}])`, 'offsets', changed);
    }
    case 'big-tensor': {
      // Declared sizes no file can hold: the reader must refuse them before it allocates anything.
      const name = draw.pick(names);
      const e = entry(name);
      const [begin] = e.data_offsets as number[];
      const variant = draw.pick([
        { dtype: 'F32', shape: [2 ** 58], data_offsets: [begin, 2 ** 60 + begin] },
        { dtype: 'F32', shape: [2 ** 29, 2 ** 29], data_offsets: e.data_offsets },
        { dtype: 'F32', shape: [2 ** 20, 2 ** 20], data_offsets: [begin, begin + 2 ** 42] },
        { dtype: 'U8', shape: [2 ** 40], data_offsets: [begin, begin + 2 ** 40] },
        { dtype: 'F32', shape: [2 ** 53 - 1, 2 ** 53 - 1, 2 ** 53 - 1], data_offsets: e.data_offsets },
        { dtype: 'F32', shape: [2 ** 31], data_offsets: [begin, begin + 2 ** 33] },
      ]);
      header[name] = variant as unknown as Json;
      return rebuilt(`${name} = ${JSON.stringify(variant)}`, 'big-tensor', true);
    }
    case 'names': {
      const name = draw.pick(names);
      const op = draw.int(5);
      if (op === 0) {
        delete header[name];
        return rebuilt(`${name} removed`, 'names', true);
      }
      if (op === 1) {
        const renamed = draw.pick([
          `${name}.x`,
          name.replace(/\d+/, '99'),
          name.toUpperCase(),
          '',
          '__proto__',
          'constructor',
          `${name}\u0000`,
        ]);
        if (Object.hasOwn(header, renamed)) return rebuilt('nothing changed', 'names', false);
        const value = header[name];
        delete header[name];
        setOwn(header, renamed, value);
        return rebuilt(`${name} renamed ${JSON.stringify(renamed)}`, 'names', true);
      }
      if (op === 2) {
        setOwn(header, draw.pick(['extra.weight', 'constructor', '__proto__', 'toString']), {
          dtype: 'F32',
          shape: [0],
          data_offsets: [data.length, data.length],
        });
        return rebuilt('an extra zero-size tensor', 'names', true);
      }
      if (op === 3) {
        // The same name twice: JSON keeps the last entry, which leaves the first one's bytes unaccounted for.
        const other = entry(draw.pick(names.filter((n) => n !== name)));
        const text = JSON.stringify(header);
        return rebuilt(
          `${name} declared twice`,
          'names',
          true,
          `${text.slice(0, -1)},${JSON.stringify(name)}:${JSON.stringify(other)}}`,
        );
      }
      const a = name;
      const b = draw.pick(names);
      [header[a], header[b]] = [header[b], header[a]];
      return rebuilt(`${a} and ${b} swap entries`, 'names', false);
    }
    case 'metadata': {
      const text = JSON.stringify(header);
      const variant = draw.int(6);
      if (variant === 0) {
        header.__metadata__ = draw.pick([
          null,
          [],
          5,
          'pt',
          { format: 5 },
          { format: null },
          { a: { b: 'c' } },
        ]) as Json;
        return rebuilt(`__metadata__ = ${JSON.stringify(header.__metadata__)}`, 'metadata', true);
      }
      if (variant === 1) {
        const many = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, String(i)]));
        header.__metadata__ = many;
        return rebuilt('__metadata__ with 100000 keys', 'metadata', false);
      }
      if (variant === 2) {
        setOwn(header, '__metadata__', { format: 'pt', note: HOLE });
        const hole = `"${'m'.repeat(draw.sizes.stringBytes)}"`;
        return rebuilt(
          `__metadata__.note is a ${megabytes(draw.sizes.stringBytes)} string`,
          'metadata',
          false,
          JSON.stringify(header).replace(JSON.stringify(HOLE), () => hole),
        );
      }
      if (variant === 3) {
        setOwn(header, '__metadata__', { format: HOLE });
        const { text: deep, detail } = deepText(draw);
        return rebuilt(
          `__metadata__.format = ${detail}`,
          'metadata',
          true,
          JSON.stringify(header).replace(JSON.stringify(HOLE), () => deep),
        );
      }
      if (variant === 4) {
        setOwn(header.__metadata__ as Record<string, Json>, draw.pick(UNKNOWN_KEYS), 'x');
        return rebuilt('a key added to __metadata__', 'metadata', false);
      }
      return rebuilt('__metadata__ removed', 'metadata', false, text.replace(/"__metadata__":\{[^}]*\},?/, ''));
    }
    case 'header-text': {
      const text = JSON.stringify(header);
      const op = draw.int(5);
      if (op === 0) return rebuilt('header starts with a space', 'header-text', true, ` ${text}`);
      if (op === 1) return rebuilt('header followed by garbage', 'header-text', true, `${text}x`);
      if (op === 2) return rebuilt('header is an array', 'header-text', true, `[${text}]`);
      if (op === 3)
        return {
          bytes: assemble(concat(encoder.encode(text.slice(0, -1)), Uint8Array.from([0xff, 0x7d])), data),
          operator: 'safetensors.header-text',
          detail: 'header has an invalid UTF-8 byte',
          mustFail: true,
        };
      return rebuilt('header padded with 64 spaces', 'header-text', false, text + ' '.repeat(64));
    }
    case 'size': {
      const mutation = sizeMutation('safetensors', header as Json, draw, 'safetensors');
      return {
        ...mutation,
        bytes: assemble(mutation.bytes, data),
        mustFail: mutation.mustFail || mutation.operator !== 'safetensors.huge-string',
      };
    }
    case 'data': {
      const out = original.slice();
      const view = new DataView(out.buffer);
      const start = 8 + headerLength;
      const index = draw.int(Math.floor(data.length / 4));
      const bits = draw.pick([0x7fc00000, 0x7f800000, 0xff800000, 0xffffffff, 0x7f7fffff, 0x00000001]);
      view.setUint32(start + index * 4, bits, true);
      const finite = bits === 0x7f7fffff || bits === 0x00000001;
      return {
        bytes: out,
        operator: 'safetensors.data',
        detail: `float ${index} of the data = 0x${bits.toString(16)}`,
        mustFail: !finite,
      };
    }
  }
}
