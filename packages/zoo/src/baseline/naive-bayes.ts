import { AttnkitError } from '@attnkit/core';

/**
 * Multinomial naive Bayes over token counts, two classes (true = positive = spam), in log space.
 *
 * Notation: V vocabulary (every token of the training documents) · N_c documents of class c · n_c(w) count of
 * token w in class c · T_c = Σ_w n_c(w) · α smoothing (Laplace at 1, Lidstone otherwise)
 *
 *   log P(c)    = log(N_c / N)
 *   log P(w|c)  = log((n_c(w) + α) / (T_c + α·|V|))
 *   logOdds(d)  = log P(true) − log P(false) + Σ_{w ∈ d, w ∈ V} [log P(w|true) − log P(w|false)]
 *
 * A document counts every occurrence of a token; tokens outside V are ignored. predict(d) is logOdds(d) > 0,
 * so an exact tie goes to the negative class. Only the per-token difference is kept, one number per token.
 */
export class MultinomialNaiveBayes {
  private constructor(
    private readonly priorLogOdds: number,
    private readonly tokenLogOdds: ReadonlyMap<string, number>,
  ) {}

  static fit(
    docs: readonly (readonly string[])[],
    labels: readonly boolean[],
    options: { alpha?: number } = {},
  ): MultinomialNaiveBayes {
    const alpha = options.alpha ?? 1;
    if (docs.length !== labels.length)
      throw invalid('labels', `${docs.length} labels (one per document)`, `${labels.length} labels`);
    if (!(alpha > 0 && Number.isFinite(alpha))) throw invalid('options.alpha', 'a finite number > 0', String(alpha));
    const positives = labels.filter(Boolean).length;
    if (positives === 0 || positives === labels.length) {
      throw invalid(
        'labels',
        'both classes',
        `${positives} positive and ${labels.length - positives} negative documents`,
      );
    }
    const counts = [new Map<string, number>(), new Map<string, number>()];
    const totals = [0, 0];
    docs.forEach((doc, i) => {
      const c = labels[i] ? 1 : 0;
      for (const token of doc) counts[c].set(token, (counts[c].get(token) ?? 0) + 1);
      totals[c] += doc.length;
    });
    const vocabulary = new Set([...counts[0].keys(), ...counts[1].keys()]);
    const denominators = totals.map((t) => Math.log(t + alpha * vocabulary.size));
    const tokenLogOdds = new Map<string, number>();
    for (const token of vocabulary) {
      const spam = Math.log((counts[1].get(token) ?? 0) + alpha) - denominators[1];
      const ham = Math.log((counts[0].get(token) ?? 0) + alpha) - denominators[0];
      tokenLogOdds.set(token, spam - ham);
    }
    return new MultinomialNaiveBayes(Math.log(positives) - Math.log(labels.length - positives), tokenLogOdds);
  }

  /** Vocabulary size |V|. */
  get vocabularySize(): number {
    return this.tokenLogOdds.size;
  }

  /** log P(true | doc) − log P(false | doc). */
  logOdds(doc: readonly string[]): number {
    let sum = this.priorLogOdds;
    for (const token of doc) sum += this.tokenLogOdds.get(token) ?? 0;
    return sum;
  }

  predict(doc: readonly string[]): boolean {
    return this.logOdds(doc) > 0;
  }
}

function invalid(argument: string, expected: string, given: string): AttnkitError {
  return new AttnkitError(
    'INVALID_ARGUMENT',
    `MultinomialNaiveBayes.fit: ${argument} must be ${expected}, got ${given}`,
    { argument, expected, given },
  );
}
