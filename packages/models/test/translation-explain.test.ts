import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainTranslation, pipeline } from '../src/index.js';
import { FIXTURES } from './helpers/fixtures.js';

/** Translation explanations (explain/translation.ts): a hand-checked case, then the pipeline on a fixture. */
describe('explainTranslation', () => {
  // One head per layer; 2 source tokens, 2 steps.
  const cross = [
    [
      [
        [0.5, 0.5],
        [0.5, 0.5],
      ],
    ],
    [
      [
        [1, 0],
        [0.25, 0.75],
      ],
    ],
  ];
  const encoder = [
    [
      [
        [0, 1],
        [1, 0],
      ],
    ],
  ];

  it('raw: the last decoder layer, heads averaged', () => {
    expect(explainTranslation(cross, encoder, { method: 'raw' }).tokenScores).toEqual([
      [1, 0],
      [0.25, 0.75],
    ]);
  });

  it('rollout: carried through the encoder, whose swap with residual 0.5 is [[.5, .5], [.5, .5]]', () => {
    const e = explainTranslation(cross, encoder, { method: 'rollout' });
    expect(e.maps).toEqual([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    expect(e.tokenScores).toEqual([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    // No residual: the encoder swaps the two tokens, so the shares swap.
    expect(explainTranslation(cross, encoder, { method: 'rollout', residual: 0 }).tokenScores).toEqual([
      [0, 1],
      [0.75, 0.25],
    ]);
  });

  it('refuses flow and gradient with UNSUPPORTED, and bad options with INVALID_ARGUMENT', () => {
    expect(() => explainTranslation(cross, encoder, { method: 'gradient' })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED' }),
    );
    expect(() => explainTranslation(cross, encoder, { method: 'flow' })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED' }),
    );
    expect(() => explainTranslation(cross, encoder, { method: 'rollout', residual: 2 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'options.residual' }),
    );
  });
});

describe('TranslationPipeline.explain', () => {
  it('gives one row of source shares per generated step, raw equal to the last layer of the returned maps', async () => {
    const p = await pipeline('translation', join(FIXTURES, 'translator-tiny'), { device: 'reference' });
    try {
      const raw = await p.explain('hello world', { method: 'raw', maxNewTokens: 6 });
      const [translated] = await p.translate('hello world', { maxNewTokens: 6, returnAttentions: true });
      expect(raw.translationText).toBe(translated.translationText);
      expect(raw.sourceTokens).toEqual(translated.attentions!.keyTokens);
      const last = translated.attentions!.maps.at(-1)!;
      const mean = last[0].map((row, t) =>
        row.map((_, j) => last.reduce((s, head) => s + head[t][j], 0) / last.length),
      );
      for (const [t, row] of raw.explanation.tokenScores.entries())
        for (const [j, x] of row.entries()) expect(x).toBeCloseTo(mean[t][j], 6);
      const rollout = await p.explain('hello world', { method: 'rollout', maxNewTokens: 6 });
      expect(rollout.explanation.tokenScores).toHaveLength(raw.explanation.tokenScores.length);
      for (const row of rollout.explanation.tokenScores) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(rollout.explanation.tokenScores).not.toEqual(raw.explanation.tokenScores);
      await expect(p.explain('hello world', { method: 'gradient' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    } finally {
      p.dispose();
    }
  });
});
