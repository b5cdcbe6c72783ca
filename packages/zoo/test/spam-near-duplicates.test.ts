import { describe, expect, it } from 'vitest';
import {
  jaccard,
  NEAR_DUPLICATE_JACCARD,
  removeNearDuplicates,
  SHINGLE_WORDS,
  shingles,
  similarEarlier,
} from '../src/data/near-duplicates.js';
import { opening, openingGroup } from '../src/data/same-opening.js';
import type { Email } from '../src/data/spam.js';

const email = (id: number, label: Email['label'], text: string): Email => ({ id, label, text });

/** Twelve distinct words: 8 shingles of five. */
const BASE = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima';

describe('shingles and jaccard', () => {
  it('are runs of five lowercased letter-words, blind to case, digits and punctuation', () => {
    expect(SHINGLE_WORDS).toBe(5);
    expect(shingles(`subject\n${BASE}`)).toHaveLength(9);
    expect(shingles('Alpha, BRAVO! charlie 42 delta... echo')).toEqual(shingles('alpha bravo charlie delta echo'));
    expect(shingles('$5,000 off')).toEqual(shingles('$10,000 off'));
    expect(shingles('one two')).toHaveLength(1);
    expect(shingles('123 456 !!!')).toEqual([]);
  });

  it('gives the hand-counted Jaccard of overlapping texts', () => {
    // 12 words → 8 shingles each; B drops 'alpha' and appends 'mike': 7 shared, 9 in the union.
    const a = shingles(BASE);
    const b = shingles(`${BASE.slice('alpha '.length)} mike`);
    expect(a).toHaveLength(8);
    expect(b).toHaveLength(8);
    expect(jaccard(a, b)).toBeCloseTo(7 / 9, 12);
    // One word changed in the middle (position 6 of 12) breaks the 5 shingles that cover it: 3 shared, 13 in the union.
    const c = shingles(BASE.replace('golf', 'gulf'));
    expect(jaccard(a, c)).toBeCloseTo(3 / 13, 12);
    expect(jaccard(a, a)).toBe(1);
    expect(jaccard([], [])).toBe(0);
  });

  it('similarEarlier finds exactly the pairs at or above the threshold, earlier sets only', () => {
    const sets = [
      BASE,
      'unrelated words here and there again',
      `${BASE.slice('alpha '.length)} mike`,
      BASE.replace('golf', 'gulf'),
    ].map((text) => shingles(text));
    expect(similarEarlier(sets, 0.5)).toEqual([[], [], [0], []]);
    // Set 3 shares 3 of 13 with set 0 (0.23), and 2 of 14 with set 2 (bravo…foxtrot, hotel…lima: 0.14).
    expect(similarEarlier(sets, 0.2)).toEqual([[], [], [0], [0]]);
    expect(similarEarlier(sets, 0.1)).toEqual([[], [], [0], [0, 2]]);
    // Brute force agrees on every pair and threshold.
    for (const threshold of [0.1, 0.3, 7 / 9, 0.8]) {
      const brute = sets.map((s, i) => sets.slice(0, i).flatMap((t, j) => (jaccard(s, t) >= threshold ? [j] : [])));
      expect(similarEarlier(sets, threshold)).toEqual(brute);
    }
  });
});

describe('removeNearDuplicates', () => {
  it('keeps the lowest id of each cluster, never two near-duplicates, and counts what went', () => {
    const emails = [
      email(4, 'spam', `Win big!\n${BASE}`),
      email(2, 'spam', `WIN BIG\n${BASE} mike`),
      email(7, 'ham', 'Lunch?\nShall we meet at noon by the river for lunch today'),
      email(9, 'spam', `Win big [x9f2]\n${BASE.slice('alpha '.length)} mike`),
    ];
    const result = removeNearDuplicates(emails);
    expect(NEAR_DUPLICATE_JACCARD).toBe(0.5);
    expect(result.kept.map((e) => e.id)).toEqual([2, 7]);
    expect(result).toMatchObject({ removed: 2, clusters: 2, conflicting: 0 });
  });

  it('removes a cluster that carries both labels whole, and only that cluster', () => {
    const emails = [
      email(0, 'ham', `Hi!\n${BASE}`),
      email(1, 'spam', `Money\n${BASE}`),
      email(2, 'ham', `Re: Hi!\n${BASE}`),
      email(3, 'spam', 'Cheap ink\nPrinter cartridges at half the price of the shop'),
    ];
    const result = removeNearDuplicates(emails);
    expect(result.kept.map((e) => e.id)).toEqual([3]);
    expect(result).toMatchObject({ removed: 3, clusters: 2, conflicting: 3 });
  });

  it('leaves mails alone that share less than the threshold, and mails without words', () => {
    const emails = [
      email(0, 'ham', `a\n${BASE}`),
      email(1, 'ham', `b\n${BASE.replace('golf', 'gulf')}`),
      email(2, 'spam', 'x\n'),
      email(3, 'spam', 'y\n'),
    ];
    expect(removeNearDuplicates(emails).kept.map((e) => e.id)).toEqual([0, 1, 2, 3]);
  });
});

describe('opening', () => {
  it('is the first 300 letters of the body, lowercased, nothing else', () => {
    expect(opening('Subject words\nHello, World! 42 times.')).toBe('helloworldtimes');
    const body = 'abc 123 '.repeat(200);
    expect(opening(`s\n${body}`)).toBe('abc'.repeat(100));
    expect(opening(`s\n${body}`)).toHaveLength(300);
    expect(openingGroup(email(0, 'ham', 'Subject only\n$$$ 100%'))).toBeUndefined();
    expect(openingGroup(email(0, 'ham', 'One\nSame body.'))).toBe(openingGroup(email(1, 'spam', 'Two\nsame-BODY')));
  });
});
