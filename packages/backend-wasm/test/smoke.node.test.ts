import { attention, createReferenceBackend } from '@attnkit/core';
import { expect, it } from 'vitest';
import { createBackend } from '../src/index.js';

it('smoke', async () => {
  const b = await createBackend({ threads: 2 });
  console.log(b.runsOn.description);
  const ref = createReferenceBackend();
  const rnd = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.8);
  const shape = [1, 8, 300, 64];
  const inputs = { q: { data: rnd(8 * 300 * 64), shape }, k: { data: rnd(8 * 300 * 64).reverse(), shape }, v: { data: rnd(8 * 300 * 64).map((x) => x * 2), shape } };
  const a = await attention(b, inputs, { isCausal: true, scoresOutput: 'probabilities' });
  const r = await attention(ref, inputs, { isCausal: true, scoresOutput: 'probabilities' });
  let worst = 0;
  for (let i = 0; i < a.y.data.length; i++) worst = Math.max(worst, Math.abs(a.y.data[i] - r.y.data[i]));
  let worstS = 0;
  for (let i = 0; i < a.scores!.data.length; i++) worstS = Math.max(worstS, Math.abs(a.scores!.data[i] - r.scores!.data[i]));
  console.log('worst', worst, worstS, a.y.data.slice(0, 4), r.y.data.slice(0, 4));
  expect(worst).toBeLessThan(1e-4);
  b.dispose();
});
