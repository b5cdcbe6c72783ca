import { expect } from 'vitest';

type Nested = ArrayLike<number> | readonly Nested[];

/** Element-wise |actual − expected| ≤ atol over equally shaped nested arrays (typed arrays at the leaves). */
export function expectAllClose(actual: Nested, expected: Nested, atol: number): void {
  const worst = { value: 0 };
  walk(actual, expected, worst, '');
  expect(worst.value).toBeLessThanOrEqual(atol);
}

function walk(a: Nested, b: Nested, worst: { value: number }, path: string): void {
  expect(a.length, `length at ${path || 'top'}`).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number | Nested;
    const y = b[i] as number | Nested;
    if (typeof x === 'number' && typeof y === 'number') worst.value = Math.max(worst.value, Math.abs(x - y));
    else walk(x as Nested, y as Nested, worst, `${path}[${i}]`);
  }
}
