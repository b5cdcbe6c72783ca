import { AttnkitError } from '@attnkit/core';
import { ATTENTION_STRATEGIES, type AttentionTuning } from './kernels/attention-stream.js';
import type { AttentionShape } from './tuner.js';

/**
 * The autotuner's choices as plain JSON, for an app to keep (localStorage, IndexedDB, a file) and give back to
 * `createBackend({ tuningCache })`. The library never stores it anywhere itself.
 *
 *   format, version   'attnkit-webgpu-tuning', 1: a cache of another format or version is refused, not guessed at
 *   adapter           what `adapter.info` says (vendor, architecture, device, description; the description
 *                     carries the driver's version on Dawn): a choice holds only on the adapter it was timed on
 *   shapeClass        the Tuner's attention class (head sizes, vec4, query-count buckets) and 'split'/'unsplit':
 *                     whether the heuristic splits the keys
 *   shape             the shape that was timed (a split choice is rescaled from its T to the call's), with
 *                     isCausal: true, mask: { kind } and window: { left, right } (null: unbounded) when it was
 *                     timed so (the class then ends in ':causal', ':window', ':mask-<kind>')
 *   choice            the fastest candidate; heuristicMs and choiceMs are medians in milliseconds
 *
 * Entries of other adapters, and choices naming a strategy this version does not know, are kept as they are
 * (they round-trip) and never used.
 */
export const TUNING_CACHE_FORMAT = 'attnkit-webgpu-tuning';
export const TUNING_CACHE_VERSION = 1;

export interface AdapterIdentity {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
}

export interface TuningCacheEntry {
  readonly adapter: AdapterIdentity;
  readonly shapeClass: string;
  readonly shape: AttentionShape;
  readonly choice: AttentionTuning;
  readonly choiceMs: number;
  readonly heuristicMs: number | null;
  /** Candidates timed (failed ones included). */
  readonly candidates: number;
  readonly tunedAt: string;
}

export interface TuningCache {
  readonly format: typeof TUNING_CACHE_FORMAT;
  readonly version: typeof TUNING_CACHE_VERSION;
  readonly entries: readonly TuningCacheEntry[];
}

export function isKnownStrategy(strategy: string): strategy is AttentionTuning['strategy'] {
  return (ATTENTION_STRATEGIES as readonly string[]).includes(strategy);
}

export function sameAdapter(a: AdapterIdentity, b: AdapterIdentity): boolean {
  return (
    a.vendor === b.vendor &&
    a.architecture === b.architecture &&
    a.device === b.device &&
    a.description === b.description
  );
}

export function emptyTuningCache(): TuningCache {
  return { format: TUNING_CACHE_FORMAT, version: TUNING_CACHE_VERSION, entries: [] };
}

/**
 * A tuning cache checked field by field (a JSON string is parsed first), as a fresh copy; anything malformed
 * is an INVALID_ARGUMENT naming the field, under `argument`.
 */
export function parseTuningCache(value: unknown, argument = 'options.tuningCache'): TuningCache {
  let data = value;
  if (typeof value === 'string') {
    try {
      data = JSON.parse(value);
    } catch {
      fail(argument, 'a tuning cache or its JSON text', value);
    }
  }
  const root = record(data) ?? fail(argument, 'a tuning cache object', data);
  if (root.format !== TUNING_CACHE_FORMAT) fail(`${argument}.format`, `'${TUNING_CACHE_FORMAT}'`, root.format);
  if (root.version !== TUNING_CACHE_VERSION) fail(`${argument}.version`, String(TUNING_CACHE_VERSION), root.version);
  if (!Array.isArray(root.entries)) fail(`${argument}.entries`, 'an array', root.entries);
  const entries = (root.entries as unknown[]).map((item, i) =>
    parseEntry(new Fields(item, `${argument}.entries[${i}]`)),
  );
  return { format: TUNING_CACHE_FORMAT, version: TUNING_CACHE_VERSION, entries };
}

/** One entry, its fields checked in the order they are listed (the first bad one is the one named). */
function parseEntry(e: Fields): TuningCacheEntry {
  const a = e.object('adapter');
  const adapter: AdapterIdentity = {
    vendor: a.text('vendor'),
    architecture: a.text('architecture'),
    device: a.text('device'),
    description: a.text('description'),
  };
  const s = e.object('shape');
  const isCausal = s.optionalFlag('isCausal');
  const mask = s.has('mask') ? s.object('mask').oneOf('kind', ['boolean', 'additive'] as const) : null;
  const w = s.has('window') ? s.object('window') : null;
  const shape: AttentionShape = {
    B: s.integer('B', 1),
    Hq: s.integer('Hq', 1),
    Sq: s.integer('Sq', 1),
    T: s.integer('T', 1),
    D: s.integer('D', 1),
    Dv: s.integer('Dv', 1),
    ...(isCausal === true && { isCausal: true }),
    ...(mask && { mask: { kind: mask } }),
    ...(w && { window: { left: w.keyCount('left'), right: w.keyCount('right') } }),
  };
  const c = e.object('choice');
  const vec4 = c.flag('vec4');
  const choice = {
    strategy: c.text('strategy'),
    workgroupSize: c.integer('workgroupSize', 1),
    keyBlock: c.integer('keyBlock', 1),
    vec4,
    rowsPerInvocation: c.integer('rowsPerInvocation', 1),
    splitKeys: c.integer('splitKeys', 0),
  } as AttentionTuning;
  return {
    adapter,
    shapeClass: e.text('shapeClass'),
    shape,
    choice,
    choiceMs: e.milliseconds('choiceMs'),
    heuristicMs: e.isNull('heuristicMs') ? null : e.milliseconds('heuristicMs'),
    candidates: e.integer('candidates', 1),
    tunedAt: e.text('tunedAt'),
  };
}

/** The fields of the object at `path`: each read checks its field and fails naming `path.key`. */
class Fields {
  private readonly o: Record<string, unknown>;

  constructor(
    value: unknown,
    private readonly path: string,
  ) {
    this.o = record(value) ?? fail(path, 'an object', value);
  }

  object(key: string): Fields {
    return new Fields(this.o[key], this.at(key));
  }

  text(key: string): string {
    const v = this.o[key];
    return typeof v === 'string' ? v : fail(this.at(key), 'a string', v);
  }

  integer(key: string, min: number): number {
    const v = this.o[key];
    return Number.isSafeInteger(v) && (v as number) >= min
      ? (v as number)
      : fail(this.at(key), `an integer ≥ ${min}`, v);
  }

  flag(key: string): boolean {
    const v = this.o[key];
    return typeof v === 'boolean' ? v : fail(this.at(key), 'a boolean', v);
  }

  optionalFlag(key: string): boolean | undefined {
    return this.o[key] === undefined ? undefined : this.flag(key);
  }

  milliseconds(key: string): number {
    const v = this.o[key];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fail(this.at(key), 'a number ≥ 0', v);
  }

  isNull(key: string): boolean {
    return this.o[key] === null;
  }

  /** Present and not null. */
  has(key: string): boolean {
    return this.o[key] !== undefined && this.o[key] !== null;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const v = this.o[key];
    return values.includes(v as T) ? (v as T) : fail(this.at(key), values.map((x) => `'${x}'`).join(' or '), v);
  }

  /** A window side: an integer ≥ 0, or unbounded as Infinity (null in JSON, which has no Infinity). */
  keyCount(key: string): number {
    const v = this.o[key];
    if (v === null || v === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
    return this.integer(key, 0);
  }

  private at(key: string): string {
    return `${this.path}.${key}`;
  }
}

function fail(path: string, expected: string, given: unknown): never {
  const shown = describe(given);
  throw new AttnkitError('INVALID_ARGUMENT', `webgpu tuningCache: ${path} must be ${expected}, got ${shown}`, {
    argument: path,
    expected,
    given: shown,
  });
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : `'${value}'`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}
