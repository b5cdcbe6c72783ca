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

  // Flow, by hand. Residual 0.5 makes every encoder edge (0, j) → (1, i) carry .5; the sink takes at most
  // C[t][i] from (1, i). Step 0 (C = [1, 0]): each token reaches the sink only through (1, 0): min(.5, 1) = .5.
  // Step 1 (C = [.25, .75]): min(.5, .25) + min(.5, .75) = .75 from either token. With residual 0 the encoder
  // swaps: token 0 reaches only (1, 1), token 1 only (1, 0), so the shares are C[t] swapped, as in rollout.
  it('flow: the maximum flow through the encoder into the step’s cross-attention', () => {
    const e = explainTranslation(cross, encoder, { method: 'flow' });
    expect(e.tokenScores).toEqual([
      [0.5, 0.5],
      [0.75, 0.75],
    ]);
    expect(e.maps).toEqual(cross[1][0]);
    expect(e.averaged).toMatch(/attention flow/);
    expect(explainTranslation(cross, encoder, { method: 'flow', residual: 0 }).tokenScores).toEqual([
      [0, 1],
      [0.75, 0.25],
    ]);
  });

  it('refuses flow past FLOW_MAX_NODES, gradient with UNSUPPORTED, and bad options with INVALID_ARGUMENT', () => {
    expect(() => explainTranslation(cross, encoder, { method: 'gradient' })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED' }),
    );
    const S = 130;
    const uniform = [[Array.from({ length: S }, () => new Array<number>(S).fill(1 / S))]];
    const crossLong = [[[new Array<number>(S).fill(1 / S)]]];
    expect(() => explainTranslation(crossLong, uniform, { method: 'flow' })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringMatching(/rollout/) }),
    );
    expect(explainTranslation(crossLong, uniform, { method: 'rollout' }).tokenScores[0]).toHaveLength(S);
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
      const flow = await p.explain('hello world', { method: 'flow', maxNewTokens: 6 });
      expect(flow.explanation.tokenScores).toHaveLength(raw.explanation.tokenScores.length);
      // A token's flow at step t is at least 0 and at most the sink's capacity, the sum of raw's row t.
      for (const [t, row] of flow.explanation.tokenScores.entries()) {
        const capacity = raw.explanation.tokenScores[t].reduce((a, b) => a + b, 0);
        for (const x of row) expect(x).toBeGreaterThanOrEqual(0);
        for (const x of row) expect(x).toBeLessThanOrEqual(capacity + 1e-12);
      }
      // With beams, the explanation is of the best hypothesis: its text and its cross-attention.
      const [beamed] = await p.translate('hello world', { maxNewTokens: 6, numBeams: 3, returnAttentions: true });
      const beamRaw = await p.explain('hello world', { method: 'raw', maxNewTokens: 6, numBeams: 3 });
      expect(beamRaw.translationText).toBe(beamed.translationText);
      expect(beamRaw.targetTokens).toEqual(beamed.attentions!.queryTokens);
      await expect(p.explain('hello world', { method: 'gradient' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    } finally {
      p.dispose();
    }
  });
});
