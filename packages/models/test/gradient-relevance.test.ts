import { join } from 'node:path';
import { type Backend, createDevice, createReferenceBackend, type Device } from '@attnkit/core';
import { MATRIX_BACKENDS } from '@attnkit/matrix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClassifierConfig,
  carriesGradients,
  gradientRelevance,
  headImportanceByGradient,
  pipeline,
  randomWeights,
  TextClassifier,
  Weights,
} from '../src/index.js';
import { FIXTURES } from './helpers/fixtures.js';

/**
 * Gradient-weighted relevance (explain/gradient.ts). Its one computed input is G_l = ∂y_c/∂O_l, the gradient
 * at a zero probe added to each layer's attention output; the rest is arithmetic on maps and values read
 * back. G_l from tfjs is checked against central differences of y_c on the float64 reference backend, moving
 * one probe coordinate at a time (h = 1e-2: its tensors are stored in float32, ~1e-7 of noise in y_c, so
 * noise/h ≈ 1e-5; y_c is smooth in the probe). Then the explanation's own properties, and the refusal where
 * no gradients exist.
 */
const config: ClassifierConfig = {
  model_type: 'attnkit-classifier',
  vocab_size: 13,
  d_model: 8,
  num_heads: 4,
  num_kv_heads: 2,
  ffn_dim: 16,
  num_layers: 2,
  activation: 'gelu',
  norm: 'pre',
  positions: 'learned',
  max_positions: 12,
  layer_norm_eps: 1e-5,
  pad_token_id: 0,
  pooling: 'cls',
  cls_token_id: 1,
  id2label: { 0: 'ham', 1: 'spam' },
};
const ROW = [5, 9, 3, 11, 7];
const n = ROW.length + 1;

function classifierOn(device: Device): TextClassifier {
  const host = randomWeights(config, 21);
  const tensors = new Map(Object.entries(host).map(([name, t]) => [name, device.upload(t.data, t.shape)]));
  return new TextClassifier(device, config, new Weights(device, tensors));
}

/** y_c with the probes given as host arrays (one [1, n, d] per layer). */
async function logitWithProbes(model: TextClassifier, probes: Float32Array[], target: number): Promise<number> {
  const device = model.device;
  const tensors = probes.map((p) => device.upload(p, [1, n, config.d_model]));
  const out = model.forward([ROW], { probes: tensors });
  const logits = await device.read(out.logits);
  device.dispose(out.logits, ...(out.values ?? []), ...tensors);
  return logits[target];
}

const TFJS_CPU = MATRIX_BACKENDS.find((e) => e.name === 'tfjs-cpu')!;

describe('gradient-weighted relevance on tfjs-cpu', () => {
  let backend: Backend;
  let model: TextClassifier;
  beforeAll(async () => {
    backend = await TFJS_CPU.create();
    model = classifierOn(createDevice(backend));
  });
  afterAll(() => {
    model.dispose();
    backend.dispose();
  });

  it('the gradient at each layer probe matches float64 central differences', async () => {
    expect(carriesGradients(backend)).toBe(true);
    if (!carriesGradients(backend)) return;
    const target = 1;
    const shapes = [0, 1].map(() => [1, n, config.d_model]);
    const { gradients } = await backend.probeGradients(shapes, (probes) => {
      const out = model.forward([ROW], { probes });
      const oneHot = model.device.upload(Float32Array.from([0, 1]), [1, 2]);
      const picked = model.device.mul(out.logits, oneHot);
      model.device.dispose(oneHot, out.logits, ...(out.values ?? []));
      return { value: picked };
    });
    // Only the classifier's weights stay live (learned positions: no table of its own).
    expect(backend.kernels.memory().liveTensors).toBe(liveWeights());
    const reference = createReferenceBackend();
    const exact = classifierOn(createDevice(reference));
    const zero = () => shapes.map(() => new Float32Array(n * config.d_model));
    const h = 1e-2;
    let worst = 0;
    let checked = 0;
    for (let l = 0; l < 2; l++) {
      for (let k = 0; k < n * config.d_model; k += 3) {
        const up = zero();
        up[l][k] = h;
        const down = zero();
        down[l][k] = -h;
        const numeric =
          ((await logitWithProbes(exact, up, target)) - (await logitWithProbes(exact, down, target))) / (2 * h);
        worst = Math.max(worst, Math.abs(gradients[l][k] - numeric) / (1 + Math.abs(numeric)));
        checked++;
      }
    }
    exact.dispose();
    reference.dispose();
    expect(checked).toBe(2 * Math.ceil((n * config.d_model) / 3));
    expect(worst).toBeLessThan(1e-3);
  });

  it('returns per-token scores and the relevance after each layer, depends on the class, and leaks nothing', async () => {
    const before = backend.kernels.memory();
    const spam = await gradientRelevance(model, ROW, { target: 1 });
    const ham = await gradientRelevance(model, ROW, { target: 0 });
    expect(backend.kernels.memory()).toEqual(before);
    expect(spam.method).toBe('gradient');
    expect(spam.target).toBe(1);
    expect(spam.tokenScores).toHaveLength(n);
    expect(spam.maps).toHaveLength(config.num_layers);
    // R = I + positive terms: every entry ≥ the identity's, so every score ≥ the read-out weight of its token.
    const aboveIdentity = spam.maps.flatMap((R) => R.flatMap((row, i) => row.map((x, j) => x - (i === j ? 1 : 0))));
    expect(Math.min(...aboveIdentity)).toBeGreaterThanOrEqual(0);
    expect(spam.tokenScores[0]).toBeGreaterThanOrEqual(1);
    expect(spam.tokenScores.every((s) => s >= 0)).toBe(true);
    expect(spam.tokenScores).not.toEqual(ham.tokenScores);
    expect(spam.averaged).toMatch(/gradient-weighted relevance over 2 layers for class 1/);
    const [predicted] = await model.classify([ROW]);
    const best = predicted.probabilities.indexOf(Math.max(...predicted.probabilities));
    expect((await gradientRelevance(model, ROW)).target).toBe(best);
    expect(Math.abs(spam.logit - predicted.logits[1])).toBeLessThan(1e-5);
    await expect(gradientRelevance(model, ROW, { target: 2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('head importance by gradient is |∂L/∂ξ_h| of each head gain, as float64 differences of the loss say', async () => {
    const label = 1;
    const importance = await headImportanceByGradient(model, [ROW], [label]);
    const reference = createReferenceBackend();
    const exact = classifierOn(createDevice(reference));
    const lossAt = async (mask: number[][]) => {
      const out = exact.forward([ROW], { headMask: mask });
      const logits = await exact.device.read(out.logits);
      exact.device.dispose(out.logits);
      const max = Math.max(...logits);
      return -(logits[label] - max - Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0)));
    };
    const h = 1e-2;
    for (let l = 0; l < config.num_layers; l++)
      for (let head = 0; head < config.num_heads; head++) {
        const at = (x: number) =>
          lossAt(
            Array.from({ length: config.num_layers }, (_, m) =>
              [1, 1, 1, 1].map((g, k) => (m === l && k === head ? x : g)),
            ),
          );
        const numeric = ((await at(1 + h)) - (await at(1 - h))) / (2 * h);
        expect(Math.abs(importance[l][head] - Math.abs(numeric))).toBeLessThan(1e-3 * (1 + Math.abs(numeric)));
      }
    await expect(headImportanceByGradient(exact, [ROW], [label])).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    exact.dispose();
    reference.dispose();
  });

  it("a pipeline on tfjs explains with method 'gradient'; on the reference backend it is a typed refusal", async () => {
    const onTfjs = await pipeline('text-classification', join(FIXTURES, 'classifier-tiny'), { backend });
    const explained = await onTfjs.explain('the quick brown fox', { method: 'gradient' });
    expect(explained.explanation.method).toBe('gradient');
    expect(explained.explanation.tokenScores).toHaveLength(explained.tokens.length);
    onTfjs.dispose();
    const onReference = await pipeline('text-classification', join(FIXTURES, 'classifier-tiny'), {
      device: 'reference',
    });
    await expect(onReference.explain('the quick brown fox', { method: 'gradient' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
    onReference.dispose();
  });
});

/** The classifier's weights are live tensors of the backend; nothing else is. */
function liveWeights(): number {
  return Object.keys(randomWeights(config, 21)).length;
}
