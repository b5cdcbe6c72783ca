import { type AttentionCase, type AttentionSpec, RunContext, runCase } from '@attnkit/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../src/index.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/**
 * The tfjs kernel's own code paths, as conformance specs run by the suite's runner (its generators, float64
 * reference, tolerances and exact mask checks): query blocks small enough to split rows and skip hidden keys,
 * the K·qᵀ form for decoding rows, and batch chunks with per-entry masks and lengths. conformance.node.test.ts
 * runs every conformance case on both paths; these choose the block sizes that reach the paths' corners.
 */
interface PathCase {
  readonly spec: AttentionSpec;
  readonly blockElements?: number;
}

const CASES: Record<string, PathCase> = {
  'query blocks of 2 rows': {
    spec: { B: 2, Hq: 3, Hkv: 3, Sq: 9, Skv: 8, D: 4, options: { isCausal: true, scoresOutput: 'probabilities' } },
    blockElements: 16,
  },
  'causal blocks skip hidden keys': {
    spec: {
      B: 2,
      Hq: 3,
      Hkv: 3,
      Sq: 9,
      Skv: 9,
      D: 4,
      mask: { kind: 'boolean', shape: [9, 9], pattern: 'random' },
      options: { isCausal: true },
    },
    blockElements: 18,
  },
  'window blocks skip keys, with past and alibi': {
    spec: { B: 2, Hq: 3, Hkv: 3, Sq: 6, Skv: 6, P: 3, D: 4, options: { window: { left: 2, right: 1 }, alibi: true } },
    blockElements: 18,
  },
  'blocks with no visible key': {
    spec: {
      B: 2,
      Hq: 3,
      Hkv: 3,
      Sq: 6,
      Skv: 3,
      D: 4,
      options: { window: { left: 0, right: 0 }, causalAlignment: 'bottom-right' },
    },
    blockElements: 3,
  },
  'decoding: one query, past cache, K·qᵀ path': {
    spec: { B: 2, Hq: 3, Hkv: 3, Sq: 1, Skv: 1, P: 6, D: 8, options: { isCausal: true, alibi: true } },
  },
  'decoding with GQA, mask and valid lengths, K·qᵀ path': {
    spec: {
      B: 2,
      Hq: 4,
      Hkv: 2,
      Sq: 2,
      Skv: 7,
      D: 8,
      validLengths: [4, 6],
      mask: { kind: 'additive', shape: [2, 1, 1, 7], pattern: 'random' },
      options: { isCausal: true, scoresOutput: 'masked' },
    },
  },
  'batch chunks with per-entry mask, valid lengths and scores': {
    spec: {
      B: 5,
      Hq: 3,
      Hkv: 3,
      Sq: 2,
      Skv: 3,
      D: 4,
      validLengths: [3, 0, 2, 1, 3],
      mask: { kind: 'additive', shape: [5, 3, 2, 3], pattern: 'random' },
      options: { isCausal: true, causalAlignment: 'top-left', scoresOutput: 'probabilities' },
    },
    blockElements: 14,
  },
  'decoding rows: Sq = 1, GQA, ALiBi, softcap, boolean mask [B,1,1,T]': {
    spec: {
      B: 6,
      Hq: 4,
      Hkv: 2,
      Sq: 1,
      Skv: 1,
      P: 5,
      D: 8,
      mask: { kind: 'boolean', shape: [6, 1, 1, 6], pattern: 'random' },
      options: { isCausal: true, alibi: true, softcap: 3, headMask: [1, 0, 2, 0.5] },
    },
  },
};

const context = new RunContext();
afterAll(() => context.dispose());

// Every case on both paths; on the batched one a small blockElements splits the batch into chunks.
const runs = NODE_TFJS_BACKENDS.flatMap((tfjsBackend) =>
  (['blocked', 'batched'] as const).map((path) => [tfjsBackend, path] as const),
);

describe.each(runs)('tfjs-%s (%s path) against the reference', (tfjsBackend, path) => {
  it.each(Object.entries(CASES))('%s', async (name, { spec, blockElements }) => {
    const backend = await createBackend({ tfjsBackend, blockElements, path });
    const c: AttentionCase = {
      kind: 'attention',
      id: `tfjs-path/${name}#1`,
      feature: 'tfjs-path',
      precision: 'float32',
      title: name,
      spec,
      seed: 1,
    };
    const result = await runCase(backend, c, context);
    expect(result.status, result.message).toBe('pass');
    expect(backend.kernels.memory().liveTensors).toBe(0);
    backend.dispose();
  });
});
