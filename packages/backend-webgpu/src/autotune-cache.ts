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
 *                     isCausal: true when it was timed causal (the class then ends in ':causal')
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
  const fail = (path: string, expected: string, given: unknown): never => {
    const shown = describe(given);
    throw new AttnkitError('INVALID_ARGUMENT', `webgpu tuningCache: ${path} must be ${expected}, got ${shown}`, {
      argument: path,
      expected,
      given: shown,
    });
  };
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
  const entries = (root.entries as unknown[]).map((item, i): TuningCacheEntry => {
    const at = `${argument}.entries[${i}]`;
    const e = record(item) ?? fail(at, 'an object', item);
    const text = (o: Record<string, unknown>, key: string, path: string): string =>
      typeof o[key] === 'string' ? (o[key] as string) : fail(`${path}.${key}`, 'a string', o[key]);
    const integer = (o: Record<string, unknown>, key: string, path: string, min: number): number => {
      const n = o[key];
      return Number.isSafeInteger(n) && (n as number) >= min
        ? (n as number)
        : fail(`${path}.${key}`, `an integer ≥ ${min}`, n);
    };
    const time = (key: string, nullable: boolean): number | null => {
      const n = e[key];
      if (nullable && n === null) return null;
      return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : fail(`${at}.${key}`, 'a number ≥ 0', n);
    };
    const a = record(e.adapter) ?? fail(`${at}.adapter`, 'an object', e.adapter);
    const adapter: AdapterIdentity = {
      vendor: text(a, 'vendor', `${at}.adapter`),
      architecture: text(a, 'architecture', `${at}.adapter`),
      device: text(a, 'device', `${at}.adapter`),
      description: text(a, 'description', `${at}.adapter`),
    };
    const s = record(e.shape) ?? fail(`${at}.shape`, 'an object', e.shape);
    if (s.isCausal !== undefined && typeof s.isCausal !== 'boolean')
      fail(`${at}.shape.isCausal`, 'a boolean', s.isCausal);
    const shape: AttentionShape = {
      B: integer(s, 'B', `${at}.shape`, 1),
      Hq: integer(s, 'Hq', `${at}.shape`, 1),
      Sq: integer(s, 'Sq', `${at}.shape`, 1),
      T: integer(s, 'T', `${at}.shape`, 1),
      D: integer(s, 'D', `${at}.shape`, 1),
      Dv: integer(s, 'Dv', `${at}.shape`, 1),
      ...(s.isCausal === true && { isCausal: true }),
    };
    const c = record(e.choice) ?? fail(`${at}.choice`, 'an object', e.choice);
    if (typeof c.vec4 !== 'boolean') fail(`${at}.choice.vec4`, 'a boolean', c.vec4);
    const choice = {
      strategy: text(c, 'strategy', `${at}.choice`),
      workgroupSize: integer(c, 'workgroupSize', `${at}.choice`, 1),
      keyBlock: integer(c, 'keyBlock', `${at}.choice`, 1),
      vec4: c.vec4 as boolean,
      rowsPerInvocation: integer(c, 'rowsPerInvocation', `${at}.choice`, 1),
      splitKeys: integer(c, 'splitKeys', `${at}.choice`, 0),
    } as AttentionTuning;
    return {
      adapter,
      shapeClass: text(e, 'shapeClass', at),
      shape,
      choice,
      choiceMs: time('choiceMs', false)!,
      heuristicMs: time('heuristicMs', true),
      candidates: integer(e, 'candidates', at, 1),
      tunedAt: text(e, 'tunedAt', at),
    };
  });
  return { format: TUNING_CACHE_FORMAT, version: TUNING_CACHE_VERSION, entries };
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
