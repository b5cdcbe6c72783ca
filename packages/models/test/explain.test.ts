import { join } from 'node:path';
import type { AttnkitError } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { explainAttention, FLOW_MAX_NODES, readoutWeights } from '../src/explain/explain.js';
import { maxFlow } from '../src/explain/max-flow.js';
import { pipeline } from '../src/index.js';
import { FIXTURES } from './helpers/fixtures.js';

/**
 * A 3-token, 2-layer example worked out by hand (r = 0.5):
 *   layer 1, heads a and b:  a = [[1,0,0],[1,0,0],[0,1,0]], b = I  →  mean A1 = [[1,0,0],[.5,.5,0],[0,.5,.5]]
 *                            Â1 = .5·A1 + .5·I = [[1,0,0],[.25,.75,0],[0,.25,.75]]
 *   layer 2, one head:       A2 = [[0,1,0],[0,0,1],[1,0,0]]  →  Â2 = [[.5,.5,0],[0,.5,.5],[.5,0,.5]]
 *   rollout R = Â2·Â1 = [[.625,.375,0],[.125,.5,.375],[.5,.125,.375]]
 *   read out at CLS (w = e0): rollout [.625,.375,0]; raw (A2 row 0) [0,1,0];
 *   flow from (0,0): via (1,0) min(1, .5) + via (1,1) min(.25, .5) = .75 (the .5 edge (1,0)→(2,0) and the
 *   .5 edge (1,1)→(2,0) are separate); from (0,1): via (1,1) min(.75, .5) = .5; from (0,2): only via (1,2),
 *   whose edge into (2,0) has capacity 0 → 0.
 *   mean read-out of R: column means [1.25/3, 1/3, .75/3].
 */
const layer1 = [
  [
    [1, 0, 0],
    [1, 0, 0],
    [0, 1, 0],
  ],
  [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
];
const layer2 = [
  [
    [0, 1, 0],
    [0, 0, 1],
    [1, 0, 0],
  ],
];
const maps = [layer1, layer2];
const cls = readoutWeights('cls', 3);

const close = (actual: readonly number[], expected: readonly number[]) => {
  expect(actual).toHaveLength(expected.length);
  for (const [i, x] of actual.entries()) expect(x).toBeCloseTo(expected[i], 12);
};

describe('attention explanations on a hand-checked 3-token, 2-layer example', () => {
  it('raw: the last layer, heads averaged, read out at CLS', () => {
    const e = explainAttention(maps, cls, { method: 'raw' });
    close(e.tokenScores, [0, 1, 0]);
    expect(e.maps).toHaveLength(2);
    close(e.maps[0][1], [0.5, 0.5, 0]);
    expect(e.averaged).toMatch(/last layer.*mean/);
  });

  it('rollout: the product of the residual-mixed layers', () => {
    const e = explainAttention(maps, cls, { method: 'rollout' });
    close(e.tokenScores, [0.625, 0.375, 0]);
    close(e.maps[1][1], [0.125, 0.5, 0.375]);
    close(e.maps[1][2], [0.5, 0.125, 0.375]);
    for (const row of e.maps[1]) expect(row.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    const mean = explainAttention(maps, readoutWeights('mean', 3), { method: 'rollout' });
    close(mean.tokenScores, [1.25 / 3, 1 / 3, 0.75 / 3]);
  });

  it('flow: maximum flow from each token to the read-out', () => {
    const e = explainAttention(maps, cls, { method: 'flow' });
    close(e.tokenScores, [0.75, 0.5, 0]);
  });

  it('max heads and no residual change the maps as stated', () => {
    const e = explainAttention(maps, cls, { method: 'rollout', heads: 'max', residual: 0 });
    // max over heads of layer 1 is [[1,0,0],[1,1,0],[0,1,1]], rows renormalized; rolled through A2 row 0 = e1.
    close(e.tokenScores, [0.5, 0.5, 0]);
  });

  it('refuses bad input with typed errors naming the argument', () => {
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as AttnkitError;
      }
      throw new Error('no error');
    };
    expect(error(() => explainAttention([], cls, { method: 'raw' })).argument).toBe('attentions');
    expect(error(() => explainAttention(maps, [1, 0], { method: 'raw' })).argument).toBe('attentions[0]');
    expect(error(() => explainAttention(maps, cls, { method: 'rollout', residual: 2 })).argument).toBe(
      'options.residual',
    );
    const n = Math.ceil(FLOW_MAX_NODES / 3);
    const big = [[Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)))]];
    const flow = error(() => explainAttention([big[0], big[0]], readoutWeights('mean', n), { method: 'flow' }));
    expect(flow.code).toBe('UNSUPPORTED');
    expect(flow.message).toMatch(/rollout/);
  });
});

describe('maxFlow', () => {
  it('finds the classic textbook value on a small network', () => {
    // s=0, a=1, b=2, t=3: s→a 3, s→b 2, a→b 1, a→t 2, b→t 3 → max flow 5.
    const c = Array.from({ length: 4 }, () => new Float64Array(4));
    c[0][1] = 3;
    c[0][2] = 2;
    c[1][2] = 1;
    c[1][3] = 2;
    c[2][3] = 3;
    expect(maxFlow(c, 0, 3)).toBeCloseTo(5, 12);
    expect(c[0][1]).toBe(3);
  });
});

describe('TextClassificationPipeline.explain on the tiny classifier fixture', () => {
  it('gives one score per token, by every method, from the same maps classify returns', async () => {
    const p = await pipeline('text-classification', join(FIXTURES, 'classifier-tiny'), { device: 'reference' });
    try {
      const text = 'the cat sat on the mat';
      const [top] = await p.classify(text, { returnAttentions: true });
      const maps = top.attentions!.maps;
      for (const method of ['raw', 'rollout', 'flow'] as const) {
        const got = await p.explain(text, { method });
        expect(got.label).toBe(top.label);
        expect(got.tokens).toEqual(top.attentions!.keyTokens);
        expect(got.explanation.tokenScores).toHaveLength(got.tokens.length);
        const expected = explainAttention(maps, readoutWeights(p.model.config.pooling, got.tokens.length), { method });
        close(got.explanation.tokenScores, expected.tokenScores);
        // Rows of every map sum to 1 and the read-out weights sum to 1, so raw and rollout scores sum to 1.
        if (method !== 'flow') expect(got.explanation.tokenScores.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 6);
      }
    } finally {
      p.dispose();
    }
  });
});
