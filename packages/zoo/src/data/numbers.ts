import { mulberry32 } from '@attnkit/models';
import { toCardinal as english } from 'n2words/en-US';
import { toCardinal as french } from 'n2words/fr-FR';

/**
 * English → French number words from n2words, for the integers 0 … 999,999.
 *
 * Held out: 5,000 test and 1,000 dev numbers drawn uniformly (seeded); training never sees them. Training
 * numbers are drawn fresh every step from the rest: half uniform over the whole range, half with a
 * log-uniform digit count, so that the few numbers below 1,000 (0.1% of the range, but the building
 * blocks of every other one) are seen often.
 */
export const NUMBERS_LIMIT = 1_000_000;
export const NUMBERS_SEED = 1_000_003;
export const NUMBERS_TEST_SIZE = 5000;
export const NUMBERS_DEV_SIZE = 1000;

/** Words and the separators between them are tokens: "quatre-vingt-dix" → quatre - vingt - dix. */
export const NUMBER_SPLIT = '[^ -]+|[ -]';

export interface NumberPair {
  readonly n: number;
  readonly source: string;
  readonly target: string;
}

export function numberPair(n: number): NumberPair {
  return { n, source: english(n), target: french(n) };
}

export interface NumbersSplit {
  readonly test: readonly number[];
  readonly dev: readonly number[];
  readonly heldOut: ReadonlySet<number>;
}

export function numbersSplit(): NumbersSplit {
  const next = mulberry32(NUMBERS_SEED);
  const held = new Set<number>();
  const draw = (count: number) => {
    const out: number[] = [];
    while (out.length < count) {
      const n = Math.floor(next() * NUMBERS_LIMIT);
      if (!held.has(n)) {
        held.add(n);
        out.push(n);
      }
    }
    return out;
  };
  const test = draw(NUMBERS_TEST_SIZE);
  const dev = draw(NUMBERS_DEV_SIZE);
  return { test, dev, heldOut: held };
}

/** A deterministic stream of training numbers for one step (seeded by the step, so resuming replays it). */
export function trainingNumbers(split: NumbersSplit, step: number, count: number): number[] {
  const next = mulberry32(NUMBERS_SEED ^ Math.imul(step + 1, 0x9e3779b1));
  const out: number[] = [];
  while (out.length < count) {
    const n = next() < 0.5 ? Math.floor(next() * NUMBERS_LIMIT) : Math.floor(10 ** (next() * 6));
    if (n < NUMBERS_LIMIT && !split.heldOut.has(n)) out.push(n);
  }
  return out;
}

/** Every token either side can produce, in first-seen order over 0 … 999,999 (the vocabulary, not data). */
export function numberTokens(): string[] {
  const seen = new Set<string>();
  const pieces = new RegExp(NUMBER_SPLIT, 'gu');
  // Every word of every number below a million appears in some number below 2,000 or in a round thousand.
  const probe = [
    ...Array.from({ length: 2000 }, (_, i) => i),
    ...Array.from({ length: 1000 }, (_, i) => i * 1000),
    ...Array.from({ length: 1000 }, (_, i) => i * 1000 + 1),
  ];
  for (const n of probe) {
    const { source, target } = numberPair(n);
    for (const text of [source, target]) for (const m of text.toLowerCase().matchAll(pieces)) seen.add(m[0]);
  }
  return [...seen];
}
