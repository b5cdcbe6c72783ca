import type { PruningStep } from '@attnkit/models';
import { describe, expect, it } from 'vitest';
import { prunedHeadsOf, prunedModules, recommendedStep } from '../src/evaluate/prune-spam.js';

/** A step of a 2-layer, 4-head model with these heads pruned. */
const step = (pruned: [number, number][], accuracy: number): PruningStep =>
  ({
    pruned,
    accuracy,
    loss: 0,
    headMask: [0, 1].map((l) => [0, 1, 2, 3].map((h) => (pruned.some(([pl, ph]) => pl === l && ph === h) ? 0 : 1))),
  }) as unknown as PruningStep;

describe('the recommended pruning step', () => {
  it('is the most heads pruned with dev accuracy at most one mail below the full model', () => {
    // 100 dev mails: one mail is 0.01.
    const steps = [
      step([], 0.95),
      step([[0, 1]], 0.95),
      step(
        [
          [0, 1],
          [1, 3],
        ],
        0.94,
      ),
      step(
        [
          [0, 1],
          [1, 3],
          [1, 0],
        ],
        0.93,
      ),
      step(
        [
          [0, 1],
          [1, 3],
          [1, 0],
          [0, 2],
        ],
        0.94,
      ),
    ];
    expect(recommendedStep(steps, 100).pruned).toHaveLength(4);
    expect(recommendedStep(steps.slice(0, 4), 100).pruned).toHaveLength(2);
    expect(recommendedStep([step([], 0.9), step([[0, 0]], 0.85)], 100).pruned).toHaveLength(0);
  });

  it('skips a step that empties a layer: a saved model keeps a head in every attention module', () => {
    const layerGone = step(
      [
        [1, 0],
        [1, 1],
        [1, 2],
        [1, 3],
      ],
      0.95,
    );
    expect(recommendedStep([step([], 0.95), step([[1, 0]], 0.95), layerGone], 100).pruned).toHaveLength(1);
  });

  it('names attention modules with their heads in order', () => {
    expect(
      prunedModules(
        step(
          [
            [1, 3],
            [0, 2],
            [1, 0],
          ],
          1,
        ),
      ),
    ).toEqual({
      'encoder.layers.0.self_attn': [2],
      'encoder.layers.1.self_attn': [0, 3],
    });
  });

  it('rebuilds a recorded configuration: the heads as pairs and the mask that removes them', () => {
    const pruned = [
      [0, 0],
      [1, 2],
      [0, 3],
    ] as const;
    expect(prunedHeadsOf(pruned, 2, 4)).toEqual({
      pruned,
      headMask: [
        [0, 1, 1, 0],
        [1, 1, 0, 1],
      ],
    });
  });
});
