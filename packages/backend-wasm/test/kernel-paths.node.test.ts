import { type AttentionCase, type AttentionSpec, RunContext, runCase } from '@attnkit/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend, type WasmBackend } from '../src/index.js';

/**
 * The conformance cases are small (T ≤ 10): one key block, one unit. These specs reach the kernel's own
 * paths — several key blocks of 64 with the online softmax carried across them, skipped blocks, units of
 * every query head of a GQA group, the dot form for fewer than four rows (decoding), past keys that end
 * inside a block, D and Dv tails — and go through the suite's own runner, so the expected values, mask
 * checks and tolerances are the conformance package's.
 */
const bool = (shape: number[]) => ({ kind: 'boolean' as const, shape, pattern: 'random' as const });
const additive = (shape: number[]) => ({ kind: 'additive' as const, shape, pattern: 'random' as const });

const SPECS: Record<string, AttentionSpec> = {
  'three key blocks, full': { B: 1, Hq: 2, Hkv: 2, Sq: 9, Skv: 150, D: 16 },
  'causal, 70 queries, skipped blocks': { B: 1, Hq: 2, Hkv: 2, Sq: 70, Skv: 200, D: 8, options: { isCausal: true } },
  'causal bottom-right, blocks skipped at the top': {
    B: 2,
    Hq: 2,
    Hkv: 1,
    Sq: 70,
    Skv: 140,
    D: 8,
    options: { isCausal: true, causalAlignment: 'bottom-right' },
  },
  'GQA 8/2, 64-row units': {
    B: 1,
    Hq: 8,
    Hkv: 2,
    Sq: 33,
    Skv: 130,
    D: 12,
    options: { isCausal: true, scoresOutput: 'probabilities' },
  },
  'decode, one query, past ends inside a block': {
    B: 2,
    Hq: 4,
    Hkv: 4,
    Sq: 1,
    Skv: 1,
    P: 140,
    D: 20,
    options: { isCausal: true },
  },
  'decode GQA, three rows per unit (dot form)': { B: 1, Hq: 6, Hkv: 2, Sq: 1, Skv: 3, P: 97, D: 7, Dv: 9 },
  'past and new keys straddle a block': {
    B: 1,
    Hq: 2,
    Hkv: 2,
    Sq: 60,
    Skv: 60,
    P: 70,
    D: 16,
    options: { isCausal: true, returnPresent: true },
  },
  'window across blocks with ALiBi': {
    B: 1,
    Hq: 4,
    Hkv: 2,
    Sq: 100,
    Skv: 190,
    D: 8,
    options: { window: { left: 70, right: 5 }, alibi: true },
  },
  'valid lengths inside blocks': {
    B: 3,
    Hq: 2,
    Hkv: 2,
    Sq: 5,
    Skv: 200,
    D: 8,
    validLengths: [70, 0, 129],
    options: { isCausal: true, causalAlignment: 'bottom-right' },
  },
  'boolean mask over three blocks': { B: 2, Hq: 2, Hkv: 2, Sq: 6, Skv: 160, D: 8, mask: bool([2, 1, 6, 160]) },
  'additive mask, short (keys past 100 masked)': {
    B: 1,
    Hq: 2,
    Hkv: 2,
    Sq: 6,
    Skv: 160,
    D: 8,
    mask: additive([6, 100]),
    options: { scoresOutput: 'masked' },
  },
  'softcap and raw scores over blocks': {
    B: 1,
    Hq: 2,
    Hkv: 2,
    Sq: 7,
    Skv: 130,
    D: 8,
    options: { softcap: 1.5, scoresOutput: 'raw', isCausal: true },
  },
  'softcapped scores': {
    B: 1,
    Hq: 2,
    Hkv: 2,
    Sq: 7,
    Skv: 130,
    D: 8,
    options: { softcap: 1.5, scoresOutput: 'softcapped' },
  },
  'head mask with pruned heads': { B: 1, Hq: 4, Hkv: 2, Sq: 20, Skv: 90, D: 8, options: { headMask: [1, 0, 0.5, 0] } },
  '3D layout, GQA, past': {
    B: 2,
    Hq: 4,
    Hkv: 2,
    Sq: 17,
    Skv: 50,
    P: 30,
    D: 8,
    layout: '3d',
    options: { isCausal: true },
  },
  'D and Dv tails (D 83, Dv 5)': { B: 1, Hq: 2, Hkv: 1, Sq: 13, Skv: 70, D: 83, Dv: 5, options: { isCausal: true } },
  'split keys: MQA decode over 700 past keys, ALiBi, head mask': {
    B: 1,
    Hq: 4,
    Hkv: 1,
    Sq: 1,
    Skv: 1,
    P: 700,
    D: 16,
    options: { alibi: true, headMask: [1, 0.5, 0, 2] },
  },
  'split keys: valid lengths leave a split empty, boolean mask': {
    B: 2,
    Hq: 2,
    Hkv: 1,
    Sq: 2,
    Skv: 900,
    D: 8,
    validLengths: [200, 0],
    mask: bool([2, 1, 2, 900]),
  },
  'split keys: causal bottom-right window': {
    B: 1,
    Hq: 2,
    Hkv: 2,
    Sq: 3,
    Skv: 1100,
    D: 8,
    options: { isCausal: true, causalAlignment: 'bottom-right', window: { left: 600 } },
  },
  'large logits over blocks': {
    B: 1,
    Hq: 2,
    Hkv: 2,
    Sq: 5,
    Skv: 130,
    D: 4,
    values: 'large-positive',
    options: { scale: 1 },
  },
};

function caseOf(name: string, spec: AttentionSpec, seed: number): AttentionCase {
  return {
    kind: 'attention',
    id: `wasm-paths/${name}`,
    feature: 'kernel-paths',
    precision: 'float32',
    title: name,
    spec,
    seed,
  };
}

describe.each([
  { threads: 1, simd: 'simd128' },
  { threads: 2, simd: 'relaxed' },
  { threads: 3, simd: 'simd128' },
] as const)('kernel paths against the reference, $threads thread(s), $simd', ({ threads, simd }) => {
  let backend: WasmBackend;
  const context = new RunContext();
  afterAll(() => {
    context.dispose();
    backend?.dispose();
  });
  it.each(Object.entries(SPECS))('%s', async (name, spec) => {
    backend ??= await createBackend({ threads, simd });
    for (const seed of [1, 2]) {
      const result = await runCase(backend, caseOf(name, spec, seed), context);
      expect(result.status, result.message).toBe('pass');
    }
    expect(backend.kernels.memory().liveTensors).toBe(0);
  });
});
