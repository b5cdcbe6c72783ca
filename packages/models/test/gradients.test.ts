import { borrowTfTensor, registerTfjsGradients, tfTensorOf } from '@attnkit/backend-tfjs';
import { type Backend, createDevice, createReferenceBackend, type Device, type DeviceTensor } from '@attnkit/core';
import { MATRIX_BACKENDS } from '@attnkit/matrix';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClassifierConfig,
  type Dropout,
  type ModelConfig,
  mulberry32,
  randomWeights,
  Seq2SeqTranslator,
  type StoredTensor,
  TextClassifier,
  type TranslatorConfig,
  Weights,
} from '../src/index.js';
import { hostClassifierLogits, hostTranslatorLogits } from './helpers/host-models.js';

/**
 * Training differentiates the models themselves: tf.Variables borrowed into a tfjs device, the forward of
 * Seq2SeqTranslator.teacherForcedLogits or TextClassifier.forward, tf.variableGrads. This checks every
 * coordinate of every parameter of tiny models against central finite differences:
 *
 *   L(θ) = Σ over real (unpadded) positions of logits(θ) ⊙ R      (R fixed, uniform in ±1)
 *   numeric_i = (L(θ + h·e_i) − L(θ − h·e_i)) / 2h
 *   error = max_i |analytic_i − numeric_i| / (1 + |numeric_i|)
 *
 * Without dropout, L is the independent float64 host Transformer of helpers/host-transformer.ts (plain
 * loops, nothing from the model code): h = 1e-3, truncation error ~h² ≈ 1e-6, rounding ~1e-13. The analytic
 * side is float32 (error ~1e-6 here). With dropout, L is the models' own forward on the float64 reference
 * backend, which replays the same masks; its tensors are stored in float32 between ops, so L carries ~1e-7
 * of rounding noise and takes a larger step (h = 1e-2, noise/h ≈ 1e-5, truncation ~1e-4) and tolerance.
 * Worst seen (2026-12-03, tfjs-cpu and tfjs-wasm alike): 2.4e-6 to 1.5e-5 against the host, 5.3e-4 with dropout.
 * (Smooth activations only with dropout: a relu kink inside ±h spoils a difference.) A missing or wrong gradient term is off by O(|gradient|), far above either tolerance. Cases cover GQA,
 * ALiBi, pre- and post-norm, learned and sinusoidal positions, every pooling, and padding in every batch.
 */
const FLOAT64 = { step: 1e-3, tolerance: 1e-4 };
const WITH_DROPOUT = { step: 1e-2, tolerance: 5e-3 };

const base = {
  vocab_size: 11,
  d_model: 8,
  ffn_dim: 12,
  max_positions: 8,
  layer_norm_eps: 1e-5,
  pad_token_id: 0,
} as const;

const translator = (over: Partial<TranslatorConfig>): TranslatorConfig => ({
  ...base,
  model_type: 'attnkit-seq2seq',
  num_heads: 2,
  num_kv_heads: 2,
  encoder_layers: 1,
  decoder_layers: 1,
  activation: 'gelu',
  norm: 'pre',
  positions: 'sinusoidal',
  bos_token_id: 1,
  eos_token_id: 2,
  ...over,
});

const classifier = (over: Partial<ClassifierConfig>): ClassifierConfig => ({
  ...base,
  model_type: 'attnkit-classifier',
  num_heads: 2,
  num_kv_heads: 2,
  num_layers: 2,
  activation: 'relu',
  norm: 'pre',
  positions: 'learned',
  pooling: 'cls',
  cls_token_id: 1,
  id2label: { 0: 'no', 1: 'yes', 2: 'maybe' },
  ...over,
});

interface GradientCase {
  readonly name: string;
  readonly config: ModelConfig;
  readonly dropout?: number;
}

const CASES: GradientCase[] = [
  {
    name: 'translator: pre-norm, sinusoidal, GQA (2 query heads per KV head)',
    config: translator({ num_kv_heads: 1 }),
  },
  {
    name: 'translator: post-norm, learned positions, dropout 0.2',
    config: translator({ norm: 'post', positions: 'learned' }),
    dropout: 0.2,
  },
  {
    name: 'translator: ALiBi, GQA, relu',
    config: translator({ positions: 'alibi', num_heads: 4, num_kv_heads: 2, activation: 'relu' }),
  },
  { name: 'classifier: CLS pooling, learned, post-norm, GQA', config: classifier({ norm: 'post', num_kv_heads: 1 }) },
  {
    name: 'classifier: mean pooling, ALiBi, gelu, dropout 0.1',
    config: classifier({ pooling: 'mean', positions: 'alibi', activation: 'gelu', num_layers: 1 }),
    dropout: 0.1,
  },
  {
    name: 'classifier: mean/√n pooling, sinusoidal',
    config: classifier({ pooling: 'mean_sqrt_len', positions: 'sinusoidal', num_layers: 1 }),
  },
];

/** Padded batches: rows of different lengths. Sources end in EOS (2), decoder inputs start with BOS (1). */
const SOURCES = [
  [5, 6, 7, 2],
  [9, 2],
  [3, 4, 10, 8, 6, 2],
];
const DECODER_INPUTS = [[1, 4, 4, 9], [1], [1, 7, 3]];
const ROWS = [[5, 6, 7], [9], [3, 4, 10, 8, 6]];

type Host = Record<string, { shape: number[]; data: Float32Array }>;

/** The weights of a model with one tensor replaced; disposing them releases only that tensor. */
class PerturbedWeights extends Weights {
  constructor(
    private readonly owner: Device,
    tensors: ReadonlyMap<string, DeviceTensor<'float32'>>,
    private readonly replaced: DeviceTensor,
  ) {
    super(owner, tensors);
  }

  override dispose(): void {
    this.owner.dispose(this.replaced);
  }
}

/** Σ logits ⊙ R as a device tensor of logits, for one model; dropout replays the same masks on every call. */
function logitsOf(device: Device, config: ModelConfig, weights: Weights, dropoutRate?: number) {
  const dropout: Dropout | undefined = dropoutRate ? { rate: dropoutRate, next: mulberry32(99) } : undefined;
  if (config.model_type === 'attnkit-seq2seq') {
    const model = new Seq2SeqTranslator(device, config, weights);
    return { model, logits: model.teacherForcedLogits(SOURCES, DECODER_INPUTS, dropout ? { dropout } : {}) };
  }
  const model = new TextClassifier(device, config, weights);
  return { model, logits: model.forward(ROWS, dropout ? { dropout } : {}).logits };
}

function fixedWeights(size: number): Float64Array {
  const next = mulberry32(7);
  return Float64Array.from({ length: size }, () => 2 * next() - 1);
}

async function analyticGradients(backend: Backend, c: GradientCase, host: Host): Promise<Map<string, Float32Array>> {
  const device = createDevice(backend);
  const variables = new Map(
    Object.entries(host).map(([name, t]) => [name, tf.variable(tf.tensor(t.data, t.shape), true, `${c.name}/${name}`)]),
  );
  const nameOf = new Map([...variables].map(([name, v]) => [v.name, name]));
  const { grads, value } = tf.variableGrads(() => {
    const borrowed = new Map([...variables].map(([name, v]) => [name, borrowTfTensor(backend, v)]));
    const { model, logits } = logitsOf(device, c.config, new Weights(device, borrowed), c.dropout);
    const r = tf.tensor(
      Float32Array.from(
        lossWeights(
          c.config,
          logits.shape.reduce((n, s) => n * s, 1),
        ),
      ),
      [...logits.shape],
    );
    const loss = tf.sum(tf.mul(tfTensorOf(logits), r)) as tf.Scalar;
    device.dispose(logits);
    model.dispose();
    return loss;
  });
  const out = new Map<string, Float32Array>();
  for (const [variable, g] of Object.entries(grads)) out.set(nameOf.get(variable)!, g.dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  for (const v of variables.values()) v.dispose();
  return out;
}

/** L(θ) with one parameter replaced, on the float64 host Transformer (no dropout) or the reference device. */
type Loss = (name: string, data: Float64Array) => Promise<number>;

function hostLoss(c: GradientCase, host: Host, r: Float64Array): Loss {
  return async (name, data) => {
    const stored = new Map<string, StoredTensor>(
      Object.entries(host).map(([n, t]) => [n, { dtype: 'F32', shape: t.shape, data: t.data }]),
    );
    // HostTransformer reads values with Array.from, so float64 data passes through unrounded.
    stored.set(name, { dtype: 'F32', shape: host[name].shape, data: data as unknown as Float32Array });
    let sum = 0;
    if (c.config.model_type === 'attnkit-seq2seq') {
      const T = Math.max(...DECODER_INPUTS.map((row) => row.length));
      const V = c.config.vocab_size;
      SOURCES.forEach((source, b) => {
        const logits = hostTranslatorLogits(c.config as TranslatorConfig, stored, source, DECODER_INPUTS[b]);
        logits.forEach((row, t) => {
          row.forEach((value, v) => {
            sum += value * r[(b * T + t) * V + v];
          });
        });
      });
    } else {
      const C = Object.keys(c.config.id2label).length;
      ROWS.forEach((row, b) => {
        hostClassifierLogits(c.config as ClassifierConfig, stored, row).forEach((value, k) => {
          sum += value * r[b * C + k];
        });
      });
    }
    return sum;
  };
}

function referenceLoss(c: GradientCase, host: Host, r: Float64Array, device: Device): Loss {
  const uploaded = new Map(Object.entries(host).map(([name, t]) => [name, device.upload(t.data, t.shape)]));
  return async (name, data) => {
    const replaced = device.upload(Float32Array.from(data), host[name].shape);
    const weights = new PerturbedWeights(device, new Map([...uploaded, [name, replaced]]), replaced);
    const { model, logits } = logitsOf(device, c.config, weights, c.dropout);
    const values = await device.read(logits);
    device.dispose(logits);
    model.dispose();
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i] * r[i];
    return sum;
  };
}

/** max over every coordinate of |analytic − numeric| / (1 + |numeric|), and the number of coordinates. */
async function worstError(analytic: Map<string, Float32Array>, host: Host, loss: Loss, step: number) {
  let worst = 0;
  let coordinates = 0;
  for (const [name, t] of Object.entries(host)) {
    const grad = analytic.get(name);
    if (!grad) throw new Error(`no gradient for ${name}`);
    const moved = Float64Array.from(t.data);
    for (let i = 0; i < t.data.length; i++) {
      // The reference device stores float32: the step actually taken is the rounded one.
      const up = Math.fround(t.data[i] + step);
      const down = Math.fround(t.data[i] - step);
      moved[i] = up;
      const above = await loss(name, moved);
      moved[i] = down;
      const below = await loss(name, moved);
      moved[i] = t.data[i];
      const numeric = (above - below) / (up - down);
      worst = Math.max(worst, Math.abs(grad[i] - numeric) / (1 + Math.abs(numeric)));
      coordinates++;
    }
  }
  return { worst, coordinates };
}

/** R, zero at padded positions (decoder rows shorter than the longest), in the device logits' layout. */
function lossWeights(config: ModelConfig, size: number): Float64Array {
  const r = fixedWeights(size);
  if (config.model_type === 'attnkit-seq2seq') {
    const T = Math.max(...DECODER_INPUTS.map((row) => row.length));
    const V = config.vocab_size;
    DECODER_INPUTS.forEach((row, b) => {
      r.fill(0, (b * T + row.length) * V, (b + 1) * T * V);
    });
  }
  return r;
}

const TFJS = MATRIX_BACKENDS.filter((e) => e.name === 'tfjs-cpu' || e.name === 'tfjs-wasm');

describe.each(TFJS)('gradients of the models on $name', (entry) => {
  let backend: Backend;
  let previous: string;
  beforeAll(async () => {
    backend = await entry.create();
    registerTfjsGradients();
    // Variables are made on tfjs's active backend: the test makes it this one, so no copies between backends.
    previous = tf.getBackend();
    await tf.setBackend(entry.name.slice('tfjs-'.length));
  });
  afterAll(async () => {
    backend.dispose();
    await tf.setBackend(previous);
  });

  it.each(CASES)(
    '$name: every parameter against finite differences',
    async (c) => {
      const host = randomWeights(c.config, 5) as Host;
      const analytic = await analyticGradients(backend, c, host);
      expect([...analytic.keys()].sort()).toEqual(Object.keys(host).sort());
      const size =
        c.config.model_type === 'attnkit-seq2seq'
          ? SOURCES.length * Math.max(...DECODER_INPUTS.map((row) => row.length)) * c.config.vocab_size
          : ROWS.length * Object.keys(c.config.id2label).length;
      const r = lossWeights(c.config, size);
      const reference = createReferenceBackend();
      const { step, tolerance } = c.dropout ? WITH_DROPOUT : FLOAT64;
      const loss = c.dropout ? referenceLoss(c, host, r, createDevice(reference)) : hostLoss(c, host, r);
      const { worst, coordinates } = await worstError(analytic, host, loss, step);
      reference.dispose();
      expect(coordinates).toBe(Object.values(host).reduce((n, t) => n + t.data.length, 0));
      expect(worst).toBeLessThan(tolerance);
    },
    120_000,
  );
});
