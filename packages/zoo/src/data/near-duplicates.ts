import type { Email } from './spam.js';

/**
 * Near-duplicate mails: the same spam campaign sent again with another subject suffix, greeting or tracking link,
 * or a reply that is mostly its parent quoted. Exact-text deduplication misses them, and a split that puts one copy
 * in training and another in test scores memory, not classification (before this step 129 of 362 test spam shared
 * their first 300 body letters with a training mail).
 *
 * Notation: a mail's words are its lowercased runs of letters (`\p{L}+`; digits, punctuation and URLs' separators
 * drop out, so a changed price, date or id does not make a mail new); its shingles S are the distinct runs of
 * SHINGLE_WORDS consecutive words (a text of fewer words is one shingle; a text without words has none). Two mails
 * are near-duplicates when J = |S₁ ∩ S₂| / |S₁ ∪ S₂| ≥ NEAR_DUPLICATE_JACCARD. Subject and body both count: the
 * classifier reads both, and the short feed mails of the ham (newsisfree, livejournal: a template body of a URL and a
 * date) differ only in their subject.
 *
 * Every pair is scored exactly, no MinHash (whose banding would miss some pairs near the threshold, and the split
 * must miss none): an inverted index from shingle to mails adds up |S₁ ∩ S₂| for every pair that shares a shingle,
 * 2.8 million additions for the 5,902 distinct texts of this corpus (1.2 million distinct shingles), well under a
 * second. Shingles are hashed (two 32-bit FNV-1a lanes), not kept as strings.
 *
 * The threshold 0.5: J ≥ 0.5 means the mails share at least two thirds of the smaller one's shingles. Pairs of
 * this corpus, read by J: from 0.5 up, one campaign with another opener or price, a reply that adds a line or two to
 * its quoted parent, and template mails whose changing part is a line (use Perl's daily headlines, livejournal feed
 * items): for a classifier of the first 512 pieces, the same input. Between 0.4 and 0.5, replies that quote part of
 * their parent and reworded variants of one spam offer (ink cartridges, term life): closer to a sender's habits than
 * to a copy. 0.4 would remove 150 ham and 40 spam more, 0.6 would remove 122 ham and 48 spam fewer.

 * Clusters: mails in id order; a mail with a near-duplicate among the mails kept so far joins the cluster of the
 * first (lowest id) of them and is removed; otherwise it is kept and starts a cluster. So no two kept mails are
 * near-duplicates, and the result depends only on the mails. A cluster whose mails carry both labels is removed
 * whole, as removeDuplicates does with a text carrying both: the shared text says nothing about either label.
 *
 * On the cleaned corpus (5,902 distinct texts) this removes 380 ham and 633 spam: a third of the spam was a copy of
 * another campaign mail. One cluster carried both labels, 3 mails whose body is Yahoo! Groups' notice that the HTML
 * of the message was dropped (`We attempted to deliver this message to you with HTML formatting...`).
 */
export const SHINGLE_WORDS = 5;
export const NEAR_DUPLICATE_JACCARD = 0.5;

export interface NearDuplicates {
  /** The kept mails, in id order. */
  readonly kept: Email[];
  /** Mails removed as a later member of a cluster, and whole clusters (mails) removed for carrying both labels. */
  readonly removed: number;
  readonly clusters: number;
  readonly conflicting: number;
}

/** The mail's shingles as sorted, distinct 53-bit hashes. */
export function shingles(text: string): number[] {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  const laneA = new Int32Array(words.length);
  const laneB = new Int32Array(words.length);
  words.forEach((word, i) => {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let c = 0; c < word.length; c++) {
      const code = word.charCodeAt(c);
      a = Math.imul(a ^ code, 0x01000193);
      b = Math.imul(b ^ code, 0x01000193);
    }
    laneA[i] = a;
    laneB[i] = b;
  });
  const width = Math.min(SHINGLE_WORDS, words.length);
  const count = width === 0 ? 0 : words.length - width + 1;
  const hashes = new Float64Array(count);
  for (let start = 0; start < count; start++) {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let k = start; k < start + width; k++) {
      a = Math.imul(a ^ laneA[k], 0x01000193);
      b = Math.imul(b ^ laneB[k], 0x01000193);
    }
    hashes[start] = (a >>> 0) * 2 ** 21 + (b >>> 11);
  }
  hashes.sort();
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (i === 0 || hashes[i] !== hashes[i - 1]) out.push(hashes[i]);
  return out;
}

/** |A ∩ B| / |A ∪ B| of two sorted, distinct lists; 0 when both are empty. */
export function jaccard(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  const union = a.length + b.length - shared;
  return union === 0 ? 0 : shared / union;
}

/**
 * For each set i, the earlier sets j < i with jaccard(sets[j], sets[i]) ≥ threshold, ascending: exact, through an
 * inverted index (the work is the sum over shingles of the pairs of sets that share it). The index is one sorted
 * Float64Array, no Map: each entry is a shingle with its low bits replaced by the set's number, so a shingle's
 * entries are one run, in set order. Dropping those low bits (13 for this corpus) leaves 40 of the 53 hash bits:
 * about one collision among the corpus's 1.2 million shingles, one spurious shared shingle in the pairs it touches.
 */
export function similarEarlier(sets: readonly (readonly number[])[], threshold: number): number[][] {
  const bits = Math.max(1, Math.ceil(Math.log2(sets.length + 1)));
  const scale = 2 ** bits;
  const entries = new Float64Array(sets.reduce((n, set) => n + set.length, 0));
  let k = 0;
  sets.forEach((set, i) => {
    for (const hash of set) entries[k++] = Math.floor(hash / scale) * scale + i;
  });
  entries.sort();
  const setOf = (p: number) => entries[p] % scale;
  /** runStart[p]: the first entry of p's shingle; byset: each set's entries (CSR: offsets, then positions). */
  const runStart = new Int32Array(entries.length);
  const offsets = new Int32Array(sets.length + 1);
  for (let p = 0; p < entries.length; p++) {
    const same = p > 0 && entries[p] - setOf(p) === entries[p - 1] - setOf(p - 1);
    runStart[p] = same ? runStart[p - 1] : p;
    offsets[setOf(p) + 1]++;
  }
  for (let i = 0; i < sets.length; i++) offsets[i + 1] += offsets[i];
  const fill = offsets.slice(0, sets.length);
  const byset = new Int32Array(entries.length);
  for (let p = 0; p < entries.length; p++) byset[fill[setOf(p)]++] = p;
  const shared = new Int32Array(sets.length);
  return sets.map((set, i) => {
    const touched: number[] = [];
    for (let e = offsets[i]; e < offsets[i + 1]; e++) {
      const p = byset[e];
      for (let q = runStart[p]; q < p; q++) {
        const j = setOf(q);
        if (shared[j]++ === 0) touched.push(j);
      }
    }
    const similar: number[] = [];
    for (const j of touched) {
      const n = shared[j];
      shared[j] = 0;
      if (n / (set.length + sets[j].length - n) >= threshold) similar.push(j);
    }
    return similar.sort((x, y) => x - y);
  });
}

export function removeNearDuplicates(emails: readonly Email[], threshold = NEAR_DUPLICATE_JACCARD): NearDuplicates {
  const sorted = [...emails].sort((a, b) => a.id - b.id);
  const similar = similarEarlier(
    sorted.map((email) => shingles(email.text)),
    threshold,
  );
  /** The index of each mail's cluster leader (itself when kept). */
  const leader = new Int32Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) leader[i] = similar[i].find((j) => leader[j] === j) ?? i;
  const mixed = new Set<number>();
  for (let i = 0; i < sorted.length; i++) if (sorted[i].label !== sorted[leader[i]].label) mixed.add(leader[i]);
  const kept = sorted.filter((_, i) => leader[i] === i && !mixed.has(i));
  const conflicting = sorted.filter((_, i) => mixed.has(leader[i])).length;
  const clusters = sorted.filter((_, i) => leader[i] === i).length;
  return { kept, removed: sorted.length - kept.length, clusters, conflicting };
}
