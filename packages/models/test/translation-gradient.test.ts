import { join } from 'node:path';
import {
  AttnkitError,
  type Backend,
  createDevice,
  createReferenceBackend,
  type Device,
  type DeviceTensor,
} from '@attnkit/core';
import { MATRIX_BACKENDS } from '@attnkit/matrix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  carriesGradients,
  explainTranslation,
  pipeline,
  randomWeights,
  Seq2SeqTranslator,
  type TranslationPipeline,
  type TranslatorConfig,
  translationGradientRelevance,
  Weights,
} from '../src/index.js';
import { FIXTURES } from './helpers/fixtures.js';

/**
 * Gradient-weighted relevance of translations (explain/translation-gradient.ts). Its computed inputs are the
 * gradients of y_t (the logit of the token generated at step t) at zero probes on every encoder self-attention
 * output and every decoder cross-attention output, one batch row per step. Those from tfjs are checked against
 * central differences of y_t on the float64 reference backend, one probe coordinate at a time, each step on its
 * own (h = 1e-2, as in gradient-relevance.test.ts: float32 storage puts ~1e-7 of noise in y_t). The same
 * differences, with the reference backend's maps and values, then give the scores by the notation block's
 * formula, written out again here; the explanation must match them. Then properties that can be checked by hand,
 * the pipeline, and the refusals.
 */
const config: TranslatorConfig = {
  model_type: 'attnkit-seq2seq',
  vocab_size: 13,
  d_model: 8,
  num_heads: 4,
  num_kv_heads: 2,
  ffn_dim: 16,
  encoder_layers: 2,
  decoder_layers: 2,
  activation: 'gelu',
  norm: 'pre',
  positions: 'learned',
  max_positions: 12,
  layer_norm_eps: 1e-5,
  pad_token_id: 0,
  bos_token_id: 1,
  eos_token_id: 2,
};
const SOURCE = [5, 9, 3, 11, 2];
const GENERATED = [7, 4, 10, 2];
const DECODER_INPUT = [config.bos_token_id, ...GENERATED.slice(0, -1)];
const S = SOURCE.length;
const N = GENERATED.length;
const d = config.d_model;
const Dh = d / config.num_heads;
const H = config.num_heads;
const Hkv = config.num_kv_heads;

/** Seeded random weights; `zero` names projections (`encoder.layers.0.self_attn.v_proj`) to set to 0. */
function translatorOn(device: Device, zero: readonly string[] = []): Seq2SeqTranslator {
  const host = randomWeights(config, 21);
  for (const prefix of zero) for (const part of ['weight', 'bias']) host[`${prefix}.${part}`].data.fill(0);
  const tensors = new Map(Object.entries(host).map(([name, t]) => [name, device.upload(t.data, t.shape)]));
  return new Seq2SeqTranslator(device, config, new Weights(device, tensors));
}

const encoderValues = [0, 1].map((l) => `encoder.layers.${l}.self_attn.v_proj`);
const crossValues = [0, 1].map((l) => `decoder.layers.${l}.encoder_attn.v_proj`);

interface Probes {
  readonly encoder: Float32Array[];
  readonly cross: Float32Array[];
}
const zeroProbes = (): Probes => ({
  encoder: [0, 1].map(() => new Float32Array(S * d)),
  cross: [0, 1].map(() => new Float32Array(N * d)),
});

/** One row's probed forward with host probes: y_t, and the maps and values per layer, read back. */
async function probedRow(model: Seq2SeqTranslator, probes: Probes, t: number) {
  const { device } = model;
  const encoder = probes.encoder.map((p) => device.upload(p, [1, S, d]));
  const cross = probes.cross.map((p) => device.upload(p, [1, N, d]));
  const out = model.probedForward([SOURCE], [DECODER_INPUT], { encoder, cross, positions: [t] });
  const read = (ts: readonly DeviceTensor<'float32'>[]) => Promise.all(ts.map((x) => device.read(x)));
  const [logits, encA, encV, crossA, crossV] = await Promise.all([
    device.read(out.logits),
    read(out.encoderAttentions),
    read(out.encoderValues),
    read(out.crossAttentions),
    read(out.crossValues),
  ]);
  device.dispose(
    out.logits,
    ...out.encoderAttentions,
    ...out.encoderValues,
    ...out.crossAttentions,
    ...out.crossValues,
    ...encoder,
    ...cross,
  );
  return { y: logits[GENERATED[t]], encA, encV, crossA, crossV };
}

/** ∂y_t/∂probe at every coordinate of every probe, by float64 central differences. */
async function differences(model: Seq2SeqTranslator, t: number, h = 1e-2): Promise<Probes> {
  const grads = zeroProbes();
  for (const kind of ['encoder', 'cross'] as const)
    for (let l = 0; l < 2; l++)
      for (let k = 0; k < grads[kind][l].length; k++) {
        const up = zeroProbes();
        up[kind][l][k] = h;
        const down = zeroProbes();
        down[kind][l][k] = -h;
        grads[kind][l][k] = ((await probedRow(model, up, t)).y - (await probedRow(model, down, t)).y) / (2 * h);
      }
  return grads;
}

/** mean_h (∇A ⊙ A)⁺ at query i, key j; A [H, queries, keys], V [keys, Hkv·Dh], G [queries, H·Dh]. */
function weighted(
  A: Float32Array,
  V: Float32Array,
  G: Float32Array,
  queries: number,
  keys: number,
  i: number,
  j: number,
) {
  let sum = 0;
  for (let head = 0; head < H; head++) {
    const kv = Math.floor(head / (H / Hkv));
    let grad = 0;
    for (let c = 0; c < Dh; c++) grad += G[i * H * Dh + head * Dh + c] * V[j * Hkv * Dh + kv * Dh + c];
    sum += Math.max(0, grad * A[(head * queries + i) * keys + j]);
  }
  return sum / H;
}

/** scores[t] by the notation block, from gradients and maps computed elsewhere. */
function scoresByFormula(row: Awaited<ReturnType<typeof probedRow>>, G: Probes, t: number): number[] {
  let R: number[][] = Array.from({ length: S }, (_, i) => Array.from({ length: S }, (_, j) => (i === j ? 1 : 0)));
  for (let l = 0; l < 2; l++) {
    const bar = Array.from({ length: S }, (_, i) =>
      Array.from({ length: S }, (_, j) => weighted(row.encA[l], row.encV[l], G.encoder[l], S, S, i, j)),
    );
    R = R.map((Ri, i) => Ri.map((x, j) => x + bar[i].reduce((s, b, k) => s + b * R[k][j], 0)));
  }
  const X = Array.from({ length: S }, (_, j) =>
    [0, 1].reduce((s, l) => s + weighted(row.crossA[l], row.crossV[l], G.cross[l], N, S, t, j), 0),
  );
  return Array.from({ length: S }, (_, j) => X.reduce((s, x, k) => s + x * R[k][j], 0));
}

const TFJS_CPU = MATRIX_BACKENDS.find((e) => e.name === 'tfjs-cpu')!;

describe('translation gradient relevance on tfjs-cpu', () => {
  let backend: Backend;
  let model: Seq2SeqTranslator;
  let reference: Backend;
  let exact: Seq2SeqTranslator;
  beforeAll(async () => {
    backend = await TFJS_CPU.create();
    model = translatorOn(createDevice(backend));
    reference = createReferenceBackend();
    exact = translatorOn(createDevice(reference));
  });
  afterAll(() => {
    model.dispose();
    backend.dispose();
    exact.dispose();
    reference.dispose();
  });

  it('the gradient at every probe of every step matches float64 central differences, and so do the scores', async () => {
    expect(carriesGradients(backend)).toBe(true);
    if (!carriesGradients(backend)) return;
    // One batch row per step, as translationGradientRelevance runs it: row t's objective is y_t.
    const steps = Array.from({ length: N }, (_, t) => t);
    const device = model.device;
    const { gradients } = await backend.probeGradients(
      [...[0, 1].map(() => [N, S, d]), ...[0, 1].map(() => [N, N, d])],
      (probes) => {
        const out = model.probedForward(
          steps.map(() => SOURCE),
          steps.map(() => DECODER_INPUT),
          { encoder: probes.slice(0, 2), cross: probes.slice(2), positions: steps },
        );
        const oneHot = new Float32Array(N * config.vocab_size);
        for (const t of steps) oneHot[t * config.vocab_size + GENERATED[t]] = 1;
        const pick = device.upload(oneHot, [N, config.vocab_size]);
        const picked = device.mul(out.logits, pick);
        device.dispose(
          pick,
          out.logits,
          ...out.encoderAttentions,
          ...out.encoderValues,
          ...out.crossAttentions,
          ...out.crossValues,
        );
        return { value: picked };
      },
    );
    const explained = await translationGradientRelevance(model, SOURCE, GENERATED);
    let worst = 0;
    let checked = 0;
    for (const t of steps) {
      const numeric = await differences(exact, t);
      for (const [kind, offset, size] of [
        ['encoder', 0, S * d],
        ['cross', 2, N * d],
      ] as const)
        for (let l = 0; l < 2; l++)
          for (let k = 0; k < size; k++) {
            const g = gradients[offset + l][t * size + k];
            worst = Math.max(worst, Math.abs(g - numeric[kind][l][k]) / (1 + Math.abs(numeric[kind][l][k])));
            checked++;
          }
      // The cross probe's rows after t cannot reach y_t (the decoder is causal): zero, exactly, in both.
      for (let l = 0; l < 2; l++)
        expect(Math.max(...numeric.cross[l].subarray((t + 1) * d).map(Math.abs), 0)).toBeLessThan(1e-6);
      const row = await probedRow(exact, zeroProbes(), t);
      const byFormula = scoresByFormula(row, numeric, t);
      for (const [j, x] of explained.tokenScores[t].entries())
        expect(Math.abs(x - byFormula[j])).toBeLessThan(1e-3 * (1 + Math.abs(byFormula[j])));
      expect(Math.abs(explained.logits[t] - row.y)).toBeLessThan(1e-4);
    }
    expect(checked).toBe(N * 2 * (S + N) * d);
    expect(worst).toBeLessThan(1e-3);
  });

  it('returns a row of non-negative scores per step, depends on the step, and leaks nothing', async () => {
    const before = backend.kernels.memory();
    const e = await translationGradientRelevance(model, SOURCE, GENERATED);
    expect(backend.kernels.memory()).toEqual(before);
    expect(e.method).toBe('gradient');
    expect(e.tokenScores).toHaveLength(N);
    expect(e.maps).toHaveLength(N);
    expect(e.encoderRelevance).toHaveLength(N);
    for (const row of [...e.tokenScores, ...e.maps]) {
      expect(row).toHaveLength(S);
      expect(Math.min(...row)).toBeGreaterThanOrEqual(0);
    }
    // R_enc = I + non-negative terms: every entry at least the identity's.
    for (const R of e.encoderRelevance)
      for (const [i, Ri] of R.entries())
        for (const [j, x] of Ri.entries()) expect(x).toBeGreaterThanOrEqual(+(i === j));
    // Different steps are different objectives: not one row repeated.
    expect(new Set(e.tokenScores.map((row) => row.map((x) => x.toFixed(6)).join())).size).toBe(N);
    expect(e.averaged).toMatch(/summed over 2 decoder layers.*over 2 layers/);
    // Step t's explanation reads only the tokens before t, so explaining a prefix gives its rows unchanged;
    // and how the steps are split into passes changes nothing.
    const prefix = await translationGradientRelevance(model, SOURCE, GENERATED.slice(0, 2));
    const onePerPass = await translationGradientRelevance(model, SOURCE, GENERATED, { stepsPerPass: 1 });
    const threePerPass = await translationGradientRelevance(model, SOURCE, GENERATED, { stepsPerPass: 3 });
    const close = (a: number[][], b: number[][]) => {
      expect(a).toHaveLength(b.length);
      for (const [t, row] of a.entries())
        for (const [j, x] of row.entries()) expect(Math.abs(x - b[t][j])).toBeLessThan(1e-5 * (1 + x));
    };
    close(prefix.tokenScores, e.tokenScores.slice(0, 2));
    close(onePerPass.tokenScores, e.tokenScores);
    close(threePerPass.tokenScores, e.tokenScores);
    close([onePerPass.logits], [e.logits]);
  });

  it('an encoder whose attention moves nothing (zero values) leaves the cross relevance as it is: R_enc = I', async () => {
    const still = translatorOn(model.device, encoderValues);
    try {
      const e = await translationGradientRelevance(still, SOURCE, GENERATED);
      for (const R of e.encoderRelevance)
        expect(R).toEqual(Array.from({ length: S }, (_, i) => Array.from({ length: S }, (_, j) => +(i === j))));
      expect(e.tokenScores).toEqual(e.maps);
      expect(Math.max(...e.maps.flat())).toBeGreaterThan(0);
    } finally {
      still.dispose();
    }
  });

  it('a cross-attention that carries nothing (zero values) gets no relevance, whatever its maps say', async () => {
    const deaf = translatorOn(model.device, crossValues);
    try {
      const e = await translationGradientRelevance(deaf, SOURCE, GENERATED);
      expect(e.tokenScores.flat().every((x) => x === 0)).toBe(true);
      // Its attention still sums to 1 per step: raw attention would point somewhere.
      const [generation] = await deaf.generate([SOURCE], { maxNewTokens: 3, returnAttentions: true });
      const raw = explainTranslation(generation.crossAttentions!, [[[[1]]]], { method: 'raw' });
      expect(raw.tokenScores[0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    } finally {
      deaf.dispose();
    }
  });

  it('refuses a backend without gradients with UNSUPPORTED, and bad arguments with INVALID_ARGUMENT', async () => {
    await expect(translationGradientRelevance(exact, SOURCE, GENERATED)).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringMatching(/reference backend carries no gradients.*'raw', 'rollout' or 'flow'/),
    });
    await expect(translationGradientRelevance(model, SOURCE, [])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(translationGradientRelevance(model, SOURCE, [7, 13])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'generated[1]',
    });
    await expect(translationGradientRelevance(model, SOURCE, GENERATED, { stepsPerPass: 0 })).rejects.toBeInstanceOf(
      AttnkitError,
    );
    expect(() =>
      model.probedForward([SOURCE], [DECODER_INPUT], { encoder: [], cross: [], positions: [DECODER_INPUT.length] }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'probes.positions[0]' }));
    expect(() => explainTranslation([[[[1]]]], [[[[1]]]], { method: 'gradient' })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringMatching(/translationGradientRelevance/) }),
    );
  });
});

describe("TranslationPipeline.explain with method 'gradient'", () => {
  let backend: Backend;
  let p: TranslationPipeline;
  beforeAll(async () => {
    backend = await TFJS_CPU.create();
    p = await pipeline('translation', join(FIXTURES, 'translator-tiny'), { backend });
  });
  afterAll(() => {
    p.dispose();
    backend.dispose();
  });

  it('on tfjs gives one row of non-negative scores over the source per generated step, greedy and with beams', async () => {
    for (const numBeams of [1, 3]) {
      const [translated] = await p.translate('hello world', { maxNewTokens: 6, numBeams, returnAttentions: true });
      const explained = await p.explain('hello world', { method: 'gradient', maxNewTokens: 6, numBeams });
      expect(explained.translationText).toBe(translated.translationText);
      expect(explained.targetTokens).toEqual(translated.attentions!.queryTokens);
      expect(explained.sourceTokens).toEqual(translated.attentions!.keyTokens);
      const { explanation } = explained;
      expect(explanation.method).toBe('gradient');
      expect(explanation.tokenScores).toHaveLength(explained.targetTokens.length);
      expect(explanation.maps).toHaveLength(explained.targetTokens.length);
      for (const row of explanation.tokenScores) {
        expect(row).toHaveLength(explained.sourceTokens.length);
        expect(row.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
      }
      expect(Math.max(...explanation.tokenScores.flat())).toBeGreaterThan(0);
    }
  });

  it('on the reference backend is a typed UNSUPPORTED naming the backend and the methods that work there', async () => {
    const onReference = await pipeline('translation', join(FIXTURES, 'translator-tiny'), { device: 'reference' });
    try {
      await expect(onReference.explain('hello world', { method: 'gradient' })).rejects.toMatchObject({
        code: 'UNSUPPORTED',
        message: expect.stringMatching(
          /^explain: the reference backend carries no gradients.*'raw', 'rollout' or 'flow'/,
        ),
      });
      const rollout = await onReference.explain('hello world', { method: 'rollout', maxNewTokens: 4 });
      expect(rollout.explanation.method).toBe('rollout');
    } finally {
      onReference.dispose();
    }
  });
});
