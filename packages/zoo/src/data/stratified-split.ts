import { AttnkitError } from '@attnkit/core';
import { mulberry32 } from '@attnkit/models';

/**
 * A seeded train/test split that keeps each label's share: per label (labels in sorted order, one mulberry32
 * stream for all), a Fisher–Yates shuffle of that label's items in input order, then the first
 * round(n · testFraction) go to test. Both outputs keep the input order, so the result depends only on the
 * items, their order, the fraction and the seed: callers that want the same split everywhere sort first.
 */
export function stratifiedSplit<T>(
  items: readonly T[],
  labelOf: (t: T) => string,
  testFraction: number,
  seed: number,
): { train: T[]; test: T[] } {
  if (!(testFraction >= 0 && testFraction <= 1))
    throw invalid('testFraction', 'a number in [0, 1]', String(testFraction));
  if (!Number.isInteger(seed)) throw invalid('seed', 'an integer', String(seed));
  const byLabel = new Map<string, number[]>();
  items.forEach((item, index) => {
    const label = labelOf(item);
    const group = byLabel.get(label);
    if (group) group.push(index);
    else byLabel.set(label, [index]);
  });
  const next = mulberry32(seed);
  const inTest = new Uint8Array(items.length);
  for (const label of [...byLabel.keys()].sort()) {
    const group = byLabel.get(label)!;
    for (let i = group.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [group[i], group[j]] = [group[j], group[i]];
    }
    for (const index of group.slice(0, Math.round(group.length * testFraction))) inTest[index] = 1;
  }
  return { train: items.filter((_, i) => !inTest[i]), test: items.filter((_, i) => inTest[i]) };
}

function invalid(argument: string, expected: string, given: string): AttnkitError {
  return new AttnkitError('INVALID_ARGUMENT', `stratifiedSplit: ${argument} must be ${expected}, got ${given}`, {
    argument,
    expected,
    given,
  });
}
