import { type AttentionOptions, attention, createReferenceBackend, type HostAttentionInputs } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../src/index.js';
import { closeness, randomFloats, rng, sizeOfShape } from './helpers/random.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/**
 * Direct comparison with the float64 reference, option by option, on small random problems. The
 * conformance suite covers the contract case by case; this file pins the combinations the tfjs kernel
 * handles with its own code paths (query blocks, GQA, 3D layouts, device-side offsets).
 */
interface Case {
  name: string;
  B?: number;
  Hq?: number;
  Hkv?: number;
  Sq?: number;
  Skv?: number;
  P?: number;
  D?: number;
  Dv?: number;
  layout?: '3d' | '4d';
  mask?: { shape: number[]; kind: 'boolean' | 'additive' };
  validLengths?: number[];
  options?: AttentionOptions;
  blockElements?: number;
}

const cases: Case[] = [
  { name: 'plain' },
  { name: 'causal top-left, Sq < Skv', Sq: 4, Skv: 6, options: { isCausal: true } },
  { name: 'causal bottom-right', Sq: 4, Skv: 6, options: { isCausal: true, causalAlignment: 'bottom-right' } },
  { name: 'causal with past', Sq: 3, Skv: 3, P: 4, options: { isCausal: true } },
  { name: 'GQA 6/2 with boolean mask [B,1,Sq,T]', Hq: 6, Hkv: 2, mask: { shape: [2, 1, 5, 7], kind: 'boolean' } },
  { name: 'MQA with additive mask [Sq,T]', Hq: 4, Hkv: 1, mask: { shape: [5, 7], kind: 'additive' } },
  { name: 'short mask (mT < T)', mask: { shape: [2, 3, 5, 4], kind: 'boolean' } },
  { name: 'softcap + window + alibi', options: { softcap: 2, window: { left: 2, right: 1 }, alibi: true } },
  { name: 'valid lengths, causal top-left', Sq: 3, Skv: 7, validLengths: [5, 0], options: { isCausal: true } },
  { name: 'valid lengths beyond T are clamped', validLengths: [9, -1], options: { alibi: true } },
  { name: '3D layout with GQA and past', layout: '3d', Hq: 4, Hkv: 2, P: 2, options: { isCausal: true } },
  { name: 'head mask, Dv ≠ D', Dv: 3, options: { headMask: [1, 0, 0.5] } },
  { name: 'scores raw', options: { scoresOutput: 'raw', softcap: 1 } },
  { name: 'scores softcapped', options: { scoresOutput: 'softcapped', softcap: 1 } },
  {
    name: 'scores masked',
    options: { scoresOutput: 'masked', isCausal: true },
    mask: { shape: [1, 3, 1, 7], kind: 'additive' },
  },
  {
    name: 'scores probabilities, fully masked rows',
    Sq: 4,
    Skv: 3,
    options: { scoresOutput: 'probabilities', window: { left: 0, right: 0 }, causalAlignment: 'bottom-right' },
  },
  {
    name: 'query blocks of 2 rows',
    Sq: 9,
    Skv: 8,
    blockElements: 16,
    options: { isCausal: true, scoresOutput: 'probabilities' },
  },
  {
    name: 'causal blocks skip hidden keys',
    Sq: 9,
    Skv: 9,
    blockElements: 18,
    mask: { shape: [9, 9], kind: 'boolean' },
    options: { isCausal: true },
  },
  {
    name: 'window blocks skip keys, with past and alibi',
    Sq: 6,
    Skv: 6,
    P: 3,
    blockElements: 18,
    options: { window: { left: 2, right: 1 }, alibi: true },
  },
  {
    name: 'blocks with no visible key',
    Sq: 6,
    Skv: 3,
    blockElements: 3,
    options: { window: { left: 0, right: 0 }, causalAlignment: 'bottom-right' },
  },
  {
    name: 'decoding: one query, past cache, K·qᵀ path',
    Sq: 1,
    Skv: 1,
    P: 6,
    D: 8,
    options: { isCausal: true, alibi: true },
  },
  {
    name: 'decoding with GQA, mask and valid lengths, K·qᵀ path',
    Hq: 4,
    Hkv: 2,
    Sq: 2,
    Skv: 7,
    D: 8,
    validLengths: [4, 6],
    mask: { shape: [2, 1, 1, 7], kind: 'additive' },
    options: { isCausal: true, scoresOutput: 'masked' },
  },
  { name: 'return present without past', options: { returnPresent: true } },
  { name: 'Sq = 0', Sq: 0, options: { scoresOutput: 'probabilities' } },
  { name: 'T = 0', Skv: 0, options: { scoresOutput: 'masked' } },
  {
    name: 'batch chunks with per-entry mask, valid lengths and scores',
    B: 5,
    Sq: 2,
    Skv: 3,
    blockElements: 14,
    validLengths: [3, 0, 2, 1, 3],
    mask: { shape: [5, 3, 2, 3], kind: 'additive' },
    options: { isCausal: true, causalAlignment: 'top-left', scoresOutput: 'probabilities' },
  },
  {
    name: 'decoding rows: Sq = 1, GQA, ALiBi, softcap, boolean mask [B,1,1,T]',
    B: 6,
    Hq: 4,
    Hkv: 2,
    Sq: 1,
    Skv: 1,
    P: 5,
    D: 8,
    mask: { shape: [6, 1, 1, 6], kind: 'boolean' },
    options: { isCausal: true, alibi: true, softcap: 3, headMask: [1, 0, 2, 0.5] },
  },
];

function buildInputs(c: Case, seed: number): { inputs: HostAttentionInputs; options: AttentionOptions } {
  const { B = 2, Hq = 3, Sq = 5, Skv = 7, P = 0, D = 4, layout = '4d' } = c;
  const Hkv = c.Hkv ?? Hq;
  const Dv = c.Dv ?? D;
  const T = P + Skv;
  const shape = (H: number, S: number, W: number) => (layout === '4d' ? [B, H, S, W] : [B, S, H * W]);
  const tensor = (s: number[], k: number) => ({ data: randomFloats(sizeOfShape(s), seed * 31 + k, 2), shape: s });
  const next = rng(seed);
  const inputs: HostAttentionInputs = {
    q: tensor(shape(Hq, Sq, D), 1),
    k: tensor(shape(Hkv, Skv, D), 2),
    v: tensor(shape(Hkv, Skv, Dv), 3),
    ...(P > 0 && { pastKey: tensor([B, Hkv, P, D], 4), pastValue: tensor([B, Hkv, P, Dv], 5) }),
    ...(c.validLengths && { kvValidLengths: Int32Array.from(c.validLengths.map((x) => Math.min(Math.max(x, 0), T))) }),
    ...(c.mask && {
      mask: {
        kind: c.mask.kind,
        shape: c.mask.shape,
        data:
          c.mask.kind === 'boolean'
            ? Uint8Array.from({ length: sizeOfShape(c.mask.shape) }, () => (next() < 0.7 ? 1 : 0))
            : Float32Array.from({ length: sizeOfShape(c.mask.shape) }, () =>
                next() < 0.2 ? Number.NEGATIVE_INFINITY : next() * 2 - 1,
              ),
      },
    }),
  };
  const options = { ...c.options, ...(layout === '3d' && { qNumHeads: Hq, kvNumHeads: Hkv }) };
  return { inputs, options };
}

const reference = createReferenceBackend();

// Every case on both paths; on the batched one a small blockElements splits the batch into chunks.
const runs = NODE_TFJS_BACKENDS.flatMap((tfjsBackend) =>
  (['blocked', 'batched'] as const).map((path) => [tfjsBackend, path] as const),
);

describe.each(runs)('tfjs-%s (%s path) against the reference', (tfjsBackend, path) => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const backend = await createBackend({ tfjsBackend, blockElements: c.blockElements, path });
    const { inputs, options } = buildInputs(c, 100 + i);
    const expected = await attention(reference, inputs, options);
    const actual = await attention(backend, inputs, options);
    for (const key of ['y', 'presentKey', 'presentValue', 'scores'] as const) {
      expect(actual[key]?.shape, key).toEqual(expected[key]?.shape);
      if (expected[key]) expect(closeness(actual[key]!.data, expected[key]!.data), key).toBeLessThanOrEqual(1);
    }
    expect(backend.kernels.memory().liveTensors).toBe(0);
    backend.dispose();
  });
});
