import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fullHeadMask,
  greedyModulePruning,
  greedyPruning,
  headImportanceByMasking,
  scoreHeads,
} from '../src/explain/head-importance.js';
import { pipeline, readSafetensors, writeSafetensors } from '../src/index.js';
import { expectAllClose } from './helpers/close.js';
import { asModelFiles, FIXTURES, fixtureFiles } from './helpers/fixtures.js';

const TEXTS = ['the cat sat', 'a dog ran far', 'the mat', 'cat dog cat', 'ran sat on the mat'];
const LABELS = [0, 2, 1, 2, 0];

/** The fixture with head `head` of layer 0 cut out of the output projection (its rows of o_proj.weight zeroed). */
function withoutHeadInWeights(head: number) {
  const files = fixtureFiles('classifier-tiny');
  const stored = readSafetensors(files.weights);
  const H = Number(files.config.num_heads);
  const d = Number(files.config.d_model);
  const Dh = d / H;
  const tensors = Object.fromEntries(
    [...stored.tensors].map(([name, t]) => {
      const data = t.data.slice();
      if (name === 'encoder.layers.0.self_attn.o_proj.weight') data.fill(0, head * Dh * d, (head + 1) * Dh * d);
      return [name, { shape: t.shape, data, dtype: t.dtype }];
    }),
  );
  return asModelFiles({ ...files, weights: writeSafetensors(tensors) });
}

describe('head masks through the classifier', () => {
  it('a mask of ones changes nothing; a zero equals cutting that head out of the weights', async () => {
    const p = await pipeline('text-classification', join(FIXTURES, 'classifier-tiny'), { device: 'reference' });
    const cut = await pipeline('text-classification', withoutHeadInWeights(1), { device: 'reference' });
    try {
      const rows = TEXTS.map((t) => p.tokenizer.encode(t));
      const plain = await p.model.classify(rows);
      const ones = await p.model.classify(rows, { headMask: fullHeadMask(p.model) });
      const masked = await p.model.classify(rows, { headMask: [[1, 0]] });
      const reference = await cut.model.classify(rows);
      plain.forEach((out, i) => {
        expectAllClose(ones[i].logits, out.logits);
        expectAllClose(masked[i].logits, reference[i].logits);
        expect(Math.max(...masked[i].logits.map((x, c) => Math.abs(x - out.logits[c])))).toBeGreaterThan(1e-4);
      });
      await expect(
        p.model.classify(rows, {
          headMask: [
            [1, 0],
            [1, 1],
          ],
        }),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        argument: 'headMask',
      });
    } finally {
      p.dispose();
      cut.dispose();
    }
  });

  it('importance is the loss increase of removing one head; greedy pruning removes the cheapest first', async () => {
    const p = await pipeline('text-classification', join(FIXTURES, 'classifier-tiny'), { device: 'reference' });
    try {
      const rows = TEXTS.map((t) => p.tokenizer.encode(t));
      const live = p.model.device.backend.kernels.memory().liveTensors;
      const result = await headImportanceByMasking(p.model, rows, LABELS);
      const baseline = await scoreHeads(p.model, rows, LABELS, [[1, 1]]);
      expect(result.baseline).toEqual(baseline);
      for (const h of [0, 1]) {
        const alone = await scoreHeads(p.model, rows, LABELS, [h === 0 ? [0, 1] : [1, 0]]);
        expect(result.importance[0][h]).toBeCloseTo(alone.loss - baseline.loss, 12);
        expect(result.accuracy[0][h]).toBe(alone.accuracy);
      }
      const steps = await greedyPruning(p.model, rows, LABELS);
      expect(steps).toHaveLength(2);
      const cheapest = result.importance[0][0] <= result.importance[0][1] ? 0 : 1;
      expect(steps[1].pruned).toEqual([[0, cheapest]]);
      expect(steps[1].headMask[0][cheapest]).toBe(0);
      expect(p.model.device.backend.kernels.memory().liveTensors).toBe(live);
    } finally {
      p.dispose();
    }
  });
});

describe('greedyModulePruning', () => {
  it("removes, at each step, the head whose removal costs least, and never a module's last head", async () => {
    // loss = Σ over removed heads of a fixed cost: greedy removes cheapest first.
    const cost: Record<string, number[]> = { a: [3, 1, 2], b: [0.5, 4] };
    const loss = async (mask: Record<string, number[]>) =>
      Object.entries(mask).reduce(
        (s, [m, gains]) => s + gains.reduce((t, g, h) => t + (g === 0 ? cost[m][h] : 0), 0),
        0,
      );
    const steps = await greedyModulePruning({ a: 3, b: 2 }, loss);
    expect(steps.map((s) => s.pruned.at(-1) ?? null)).toEqual([null, ['b', 0], ['a', 1], ['a', 2]]);
    expect(steps.map((s) => s.loss)).toEqual([0, 0.5, 1.5, 3.5]);
    // Each module keeps one head: b's last (cost 4) and a's last (cost 3) stay.
    expect(steps.at(-1)!.headMask).toEqual({ a: [1, 0, 0], b: [0, 1] });
  });
});
