import { isAttnkitError } from '@attnkit/core';
import { mulberry32 } from '@attnkit/models';
import { describe, expect, it } from 'vitest';
import { MultinomialNaiveBayes } from '../src/baseline/naive-bayes.js';

/**
 * The hand-computed case, α = 1:
 *   spam: [free money] [free free win]   ham: [meeting money]
 *   V = {free, money, win, meeting}, |V| = 4; spam counts free 3, money 1, win 1 (T = 5, denominator 5 + 4 = 9);
 *   ham counts meeting 1, money 1 (T = 2, denominator 2 + 4 = 6); P(spam) = 2/3, P(ham) = 1/3.
 *   P(·|spam): free 4/9, money 2/9, win 2/9, meeting 1/9     P(·|ham): free 1/6, money 2/6, win 1/6, meeting 2/6
 */
const DOCS = [
  ['free', 'money'],
  ['free', 'free', 'win'],
  ['meeting', 'money'],
];
const LABELS = [true, true, false];
const posterior = (logOdds: number) => 1 / (1 + Math.exp(-logOdds));

describe('MultinomialNaiveBayes', () => {
  it('matches a posterior computed by hand', () => {
    const nb = MultinomialNaiveBayes.fit(DOCS, LABELS);
    expect(nb.vocabularySize).toBe(4);
    // [free meeting unseen]: spam 2/3·4/9·1/9 = 16/486, ham 1/3·1/6·2/6 = 9/486 → P(spam|d) = 16/25; "unseen" ignored.
    expect(posterior(nb.logOdds(['free', 'meeting', 'unseen']))).toBeCloseTo(16 / 25, 12);
    expect(nb.logOdds(['free', 'meeting', 'unseen'])).toBeCloseTo(Math.log(16 / 9), 12);
    expect(nb.predict(['free', 'meeting'])).toBe(true);
    // [money meeting]: spam 2/3·2/9·1/9 = 8/486, ham 1/3·2/6·2/6 = 18/486 → P(spam|d) = 8/26.
    expect(posterior(nb.logOdds(['money', 'meeting']))).toBeCloseTo(8 / 26, 12);
    expect(nb.predict(['money', 'meeting'])).toBe(false);
    // Nothing known: the prior, 2 : 1.
    expect(nb.logOdds([])).toBeCloseTo(Math.log(2), 12);
    expect(nb.logOdds(['unseen', 'also-unseen'])).toBeCloseTo(Math.log(2), 12);
  });

  it('uses Lidstone smoothing for another alpha', () => {
    // α = 0.5: denominators 5 + 2 = 7 and 2 + 2 = 4; P(win|spam) = 1.5/7, P(win|ham) = 0.5/4.
    const nb = MultinomialNaiveBayes.fit(DOCS, LABELS, { alpha: 0.5 });
    expect(nb.logOdds(['win'])).toBeCloseTo(Math.log(2) + Math.log(1.5 / 7) - Math.log(0.5 / 4), 12);
  });

  it('counts every occurrence: a repeated token adds its evidence again', () => {
    const nb = MultinomialNaiveBayes.fit(DOCS, LABELS);
    const perToken = nb.logOdds(['win']) - nb.logOdds([]);
    expect(nb.logOdds(['win', 'win', 'win']) - nb.logOdds([])).toBeCloseTo(3 * perToken, 12);
  });

  it('duplicating every document with alpha doubled changes nothing', () => {
    const next = mulberry32(11);
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
    // Spam draws from the first words more often, so the model has something to learn.
    const doc = (spam: boolean) =>
      Array.from(
        { length: 3 + Math.floor(next() * 12) },
        () => words[Math.floor(next() ** (spam ? 2 : 0.5) * words.length)],
      );
    const labels = Array.from({ length: 60 }, () => next() < 0.4);
    const docs = labels.map(doc);
    const held = Array.from({ length: 50 }, (_, i) => doc(i % 2 === 0));
    const once = MultinomialNaiveBayes.fit(docs, labels, { alpha: 0.7 });
    const twice = MultinomialNaiveBayes.fit([...docs, ...docs], [...labels, ...labels], { alpha: 1.4 });
    const predictions = held.map((d) => once.predict(d));
    expect(new Set(predictions).size).toBe(2);
    for (const d of held) expect(twice.logOdds(d)).toBeCloseTo(once.logOdds(d), 9);
    expect(held.map((d) => twice.predict(d))).toEqual(predictions);
    // Without scaling alpha, the smoothing weighs less and the scores move: the property above is not vacuous.
    const unscaled = MultinomialNaiveBayes.fit([...docs, ...docs], [...labels, ...labels], { alpha: 0.7 });
    expect(Math.max(...held.map((d) => Math.abs(unscaled.logOdds(d) - once.logOdds(d))))).toBeGreaterThan(0.01);
  });

  it('rejects mismatched labels, a single class and alpha ≤ 0, naming the argument', () => {
    const cases: [() => unknown, string][] = [
      [() => MultinomialNaiveBayes.fit(DOCS, [true, false]), 'labels'],
      [() => MultinomialNaiveBayes.fit(DOCS, [true, true, true]), 'labels'],
      [() => MultinomialNaiveBayes.fit(DOCS, LABELS, { alpha: 0 }), 'options.alpha'],
      [() => MultinomialNaiveBayes.fit(DOCS, LABELS, { alpha: Number.NaN }), 'options.alpha'],
    ];
    for (const [call, argument] of cases) {
      try {
        call();
        expect.unreachable();
      } catch (error) {
        expect(isAttnkitError(error, 'INVALID_ARGUMENT')).toBe(true);
        expect((error as { argument?: string }).argument).toBe(argument);
      }
    }
  });
});
