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
  return groupedStratifiedSplit(items, labelOf, () => undefined, testFraction, seed);
}

/**
 * The same split over groups of items that must land on the same side (mails that open alike, say): a group is
 * the items sharing a non-undefined groupOf key, an item without a key is a group of one, and a group takes the
 * label of its first item. Per label, the groups are shuffled as stratifiedSplit shuffles items, then walked in
 * that order, each going to test while it fits in the label's round(n · testFraction) items (n: the items of the
 * label's groups). With singletons only, this is stratifiedSplit, draw for draw; with groups, the test share stays
 * exact as long as enough singletons remain to fill it.
 */
export function groupedStratifiedSplit<T>(
  items: readonly T[],
  labelOf: (t: T) => string,
  groupOf: (t: T) => string | undefined,
  testFraction: number,
  seed: number,
): { train: T[]; test: T[] } {
  if (!(testFraction >= 0 && testFraction <= 1))
    throw invalid('testFraction', 'a number in [0, 1]', String(testFraction));
  if (!Number.isInteger(seed)) throw invalid('seed', 'an integer', String(seed));
  const groups: number[][] = [];
  const byKey = new Map<string, number[]>();
  items.forEach((item, index) => {
    const key = groupOf(item);
    const group = key === undefined ? undefined : byKey.get(key);
    if (group) group.push(index);
    else {
      groups.push([index]);
      if (key !== undefined) byKey.set(key, groups[groups.length - 1]);
    }
  });
  const byLabel = new Map<string, number[][]>();
  for (const group of groups) {
    const label = labelOf(items[group[0]]);
    const list = byLabel.get(label);
    if (list) list.push(group);
    else byLabel.set(label, [group]);
  }
  const next = mulberry32(seed);
  const inTest = new Uint8Array(items.length);
  for (const label of [...byLabel.keys()].sort()) {
    const list = byLabel.get(label)!;
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
    let room = Math.round(list.reduce((n, group) => n + group.length, 0) * testFraction);
    for (const group of list) {
      if (room === 0) break;
      if (group.length > room) continue;
      for (const index of group) inTest[index] = 1;
      room -= group.length;
    }
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
