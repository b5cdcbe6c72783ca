/** Levenshtein distance between token sequences (unit costs), two rows of the table at a time. */
export function editDistance(a: readonly string[], b: readonly string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

export interface G2pScore {
  /** Words whose output matches none of their references, over all words. */
  readonly wer: number;
  /** Σ min over references of edit distance ÷ Σ length of that closest reference. */
  readonly per: number;
  readonly words: number;
  readonly wrongWords: number;
}

/**
 * WER and PER as the g2p literature reports them for dictionaries with alternatives: a word is right when
 * it equals any reference; its phoneme errors are counted against the closest reference (ties: the shorter).
 */
export function g2pScore(
  outputs: readonly (readonly string[])[],
  references: readonly (readonly (readonly string[])[])[],
): G2pScore {
  if (outputs.length !== references.length)
    throw new Error(`g2pScore: ${outputs.length} outputs for ${references.length} reference sets`);
  let wrongWords = 0;
  let errors = 0;
  let length = 0;
  outputs.forEach((out, i) => {
    let best = { d: Number.POSITIVE_INFINITY, n: 0 };
    for (const ref of references[i]) {
      const d = editDistance(out, ref);
      if (d < best.d || (d === best.d && ref.length < best.n)) best = { d, n: ref.length };
    }
    if (best.d > 0) wrongWords++;
    errors += best.d;
    length += best.n;
  });
  return {
    wer: wrongWords / Math.max(outputs.length, 1),
    per: errors / Math.max(length, 1),
    words: outputs.length,
    wrongWords,
  };
}

export interface ExactMatch {
  readonly accuracy: number;
  readonly correct: number;
  readonly total: number;
}

export function exactMatch(outputs: readonly string[], references: readonly string[]): ExactMatch {
  const correct = outputs.filter((o, i) => o === references[i]).length;
  return { accuracy: correct / Math.max(outputs.length, 1), correct, total: outputs.length };
}
