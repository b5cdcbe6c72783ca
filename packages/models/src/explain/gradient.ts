import { AttnkitError, type Backend, type DeviceTensor } from '@attnkit/core';
import type { TextClassifier } from '../classifier.js';
import type { AttentionExplanation } from './explain.js';
import { readoutWeights } from './explain.js';
import { type Map2d, multiply, readOut } from './head-average.js';

/**
 * Gradient-weighted attention relevance (Chefer, Gur & Wolf 2021, "Generic Attention-model Explainability",
 * the self-attention rules).
 *
 * Notation: L layers · H query heads · Hkv key/value heads · Dh head size · n tokens · c the explained class ·
 * y_c its logit · A_l^h [n][n] the probabilities of head h in layer l · O_l = A_l·V_l the attention output
 * (heads side by side, before the output projection) · G_l = ∂y_c/∂O_l [n][H·Dh] · w the read-out weights.
 *
 *   ∇A_l^h[i][j] = ∂y_c/∂A_l^h[i][j] = Σ_c' G_l[i][h·Dh + c'] · V_l[j][g(h)·Dh + c']   (g(h) = h's KV head)
 *   Ā_l = mean_h (∇A_l^h ⊙ A_l^h)⁺                                 (positive part, element-wise)
 *   R_0 = I,  R_l = R_{l−1} + Ā_l·R_{l−1},  scores = wᵀ·R_L
 *
 * G_l is exact: it is the gradient at a zero "probe" added to O_l (AttentionCall.probe), computed by the
 * backend. Only backends that carry gradients can (tfjs: `probeGradients`); elsewhere this is a typed
 * UNSUPPORTED, never a substitute. Unlike raw attention and rollout, the result depends on the class: it
 * keeps the heads and the connections that raise y_c and drops those that lower it.
 */
export interface GradientBackend {
  probeGradients(
    shapes: readonly (readonly number[])[],
    fn: (probes: DeviceTensor<'float32'>[]) => { value: DeviceTensor; keep?: readonly DeviceTensor[] },
  ): Promise<{ value: number; gradients: Float32Array[] }>;
}

export function carriesGradients(backend: Backend): backend is Backend & GradientBackend {
  return typeof (backend as Partial<GradientBackend>).probeGradients === 'function';
}

export interface GradientRelevanceOptions {
  /** The class explained (an index into the labels); default: the predicted class. */
  readonly target?: number;
}

export interface GradientRelevance extends AttentionExplanation {
  /** The class explained, and its logit. */
  readonly target: number;
  readonly logit: number;
}

/** Explains one token row (without the CLS token: the classifier prepends it) of a classifier's input. */
export async function gradientRelevance(
  classifier: TextClassifier,
  row: readonly number[],
  options: GradientRelevanceOptions = {},
): Promise<GradientRelevance> {
  const { device, config } = classifier;
  const backend = device.backend;
  if (!carriesGradients(backend)) {
    throw new AttnkitError(
      'UNSUPPORTED',
      `gradientRelevance: the ${backend.name} backend carries no gradients; gradient-weighted relevance needs one that does (a tfjs backend). Use method 'rollout' or 'flow' here.`,
      { argument: 'classifier', given: backend.name },
    );
  }
  const C = classifier.labels.length;
  const target = options.target ?? (await predicted(classifier, row));
  if (!Number.isInteger(target) || target < 0 || target >= C) {
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `gradientRelevance: options.target must be a class in [0, ${C}), got ${target}`,
      {
        argument: 'options.target',
        expected: `an integer in [0, ${C})`,
        given: String(target),
      },
    );
  }
  const n = row.length + (config.pooling === 'cls' ? 1 : 0);
  const H = config.num_heads;
  const Hkv = config.num_kv_heads;
  const Dh = config.d_model / H;
  const L = classifier.encoder.layers.length;
  let maps: DeviceTensor<'float32'>[] = [];
  let values: DeviceTensor<'float32'>[] = [];
  const { value, gradients } = await backend.probeGradients(
    Array.from({ length: L }, () => [1, n, H * Dh]),
    (probes) => {
      const out = classifier.forward([row], { returnAttentions: true, probes });
      maps = out.attentions ?? [];
      values = out.values ?? [];
      const oneHot = device.upload(
        Float32Array.from({ length: C }, (_, k) => (k === target ? 1 : 0)),
        [1, C],
      );
      const picked = device.mul(out.logits, oneHot);
      device.dispose(oneHot, out.logits);
      return { value: picked, keep: [...maps, ...values] };
    },
  );
  try {
    const [A, V] = await Promise.all([
      Promise.all(maps.map((t) => device.read(t))),
      Promise.all(values.map((t) => device.read(t))),
    ]);
    const layers = A.map((a, l) => relevanceMap(a, V[l], gradients[l], { n, H, Hkv, Dh }));
    const identity: Map2d = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    const rolled: Map2d[] = [];
    let R = identity;
    for (const layer of layers) {
      const step = multiply(layer, R);
      R = R.map((rowR, i) => rowR.map((x, j) => x + step[i][j]));
      rolled.push(R);
    }
    const w = readoutWeights(config.pooling, n);
    return {
      method: 'gradient',
      tokenScores: readOut(R, w),
      maps: rolled,
      averaged: `gradient-weighted relevance over ${L} layers for class ${target}: per layer, heads averaged (mean) of the positive part of ∂y/∂A ⊙ A; R = I + Ā·R layer by layer, read out at the pooled positions`,
      target,
      logit: value,
    };
  } finally {
    device.dispose(...maps, ...values);
  }
}

/** Ā_l: mean over heads of (∇A ⊙ A)⁺, from A [1, H, n, n], V [1, n, Hkv·Dh] and G [1, n, H·Dh]. */
function relevanceMap(
  A: Float32Array,
  V: Float32Array,
  G: Float32Array,
  { n, H, Hkv, Dh }: { n: number; H: number; Hkv: number; Dh: number },
): Map2d {
  const group = H / Hkv;
  const out: Map2d = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let h = 0; h < H; h++) {
    const kv = Math.floor(h / group);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let grad = 0;
        for (let c = 0; c < Dh; c++) grad += G[i * H * Dh + h * Dh + c] * V[j * Hkv * Dh + kv * Dh + c];
        const weighted = grad * A[(h * n + i) * n + j];
        if (weighted > 0) out[i][j] += weighted / H;
      }
    }
  }
  return out;
}

async function predicted(classifier: TextClassifier, row: readonly number[]): Promise<number> {
  const [out] = await classifier.classify([row]);
  return out.probabilities.indexOf(Math.max(...out.probabilities));
}

/**
 * Head importance by gradient (Michel, Levy & Neubig 2019): I_h = mean over rows of |∂L/∂ξ_h| at ξ = 1, where
 * ξ_h is head h's gain (its headMask entry) and L the cross-entropy of the row's label. With O_h the head's output
 * (A_h·V_h, the gain's argument) and G_h = ∂L/∂O_h at the probe, ∂L/∂ξ_h = Σ_i Σ_c G_h[i][c]·O_h[i][c]. One
 * forward and backward per row, on a backend that carries gradients; returns [layer][head].
 */
export async function headImportanceByGradient(
  classifier: TextClassifier,
  rows: readonly (readonly number[])[],
  labels: readonly number[],
): Promise<number[][]> {
  const { device, config } = classifier;
  const backend = device.backend;
  if (!carriesGradients(backend)) {
    throw new AttnkitError(
      'UNSUPPORTED',
      `headImportanceByGradient: the ${backend.name} backend carries no gradients; use headImportanceByMasking there`,
      { argument: 'classifier', given: backend.name },
    );
  }
  if (rows.length !== labels.length || rows.length === 0)
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      'headImportanceByGradient: rows and labels must be non-empty and as many',
      {
        argument: 'labels',
      },
    );
  const H = config.num_heads;
  const Dh = config.d_model / H;
  const layers = classifier.encoder.layers;
  const importance = layers.map((layer) => new Array<number>(layer.selfAttention.numHeads).fill(0));
  for (const [r, row] of rows.entries()) {
    const n = row.length + (config.pooling === 'cls' ? 1 : 0);
    let maps: DeviceTensor<'float32'>[] = [];
    let values: DeviceTensor<'float32'>[] = [];
    const { gradients } = await backend.probeGradients(
      layers.map((layer) => [1, n, layer.selfAttention.numHeads * Dh]),
      (probes) => {
        const out = classifier.forward([row], { returnAttentions: true, probes });
        maps = out.attentions ?? [];
        values = out.values ?? [];
        // −log softmax(logits)[label], from the device ops so that it differentiates.
        const logp = device.logSoftmax(out.logits);
        const pick = device.upload(
          Float32Array.from({ length: classifier.labels.length }, (_, k) => (k === labels[r] ? -1 : 0)),
          [1, classifier.labels.length],
        );
        const loss = device.mul(logp, pick);
        device.dispose(out.logits, logp, pick);
        return { value: loss, keep: [...maps, ...values] };
      },
    );
    try {
      const [A, V] = await Promise.all([
        Promise.all(maps.map((t) => device.read(t))),
        Promise.all(values.map((t) => device.read(t))),
      ]);
      layers.forEach((layer, l) => {
        const h = layer.selfAttention.numHeads;
        const hkv = layer.selfAttention.numKvHeads;
        for (let head = 0; head < h; head++) {
          const kv = Math.floor(head / (h / hkv));
          let dot = 0;
          for (let i = 0; i < n; i++)
            for (let c = 0; c < Dh; c++) {
              let o = 0;
              for (let j = 0; j < n; j++) o += A[l][(head * n + i) * n + j] * V[l][j * hkv * Dh + kv * Dh + c];
              dot += gradients[l][i * h * Dh + head * Dh + c] * o;
            }
          importance[l][head] += Math.abs(dot) / rows.length;
        }
      });
    } finally {
      device.dispose(...maps, ...values);
    }
  }
  return importance;
}
