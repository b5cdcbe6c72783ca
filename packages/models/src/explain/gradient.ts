import { AttnkitError, type Backend, type Device, type DeviceTensor } from '@attnkit/core';
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
  const backend = gradientBackend(classifier, {
    op: 'gradientRelevance',
    argument: 'classifier',
    instead: "Use method 'rollout' or 'flow' here.",
  });
  const { config } = classifier;
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
  const probed = await probeLayers(backend, classifier, row, target, 1);
  const rolled = accumulateRelevance(probed.layers.map((layer) => relevanceMap(layer, probed.n, probed.n, probed.Dh)));
  const R = rolled[rolled.length - 1];
  return {
    method: 'gradient',
    tokenScores: readOut(R, readoutWeights(config.pooling, probed.n)),
    maps: rolled,
    averaged: `gradient-weighted relevance over ${rolled.length} layers for class ${target}: per layer, heads averaged (mean) of the positive part of ∂y/∂A ⊙ A; R = I + Ā·R layer by layer, read out at the pooled positions`,
    target,
    logit: probed.value,
  };
}

/**
 * R_0 = I, R_l = R_{l−1} + Ā_l·R_{l−1} over square maps Ā_1…Ā_L: R after each layer. The self-attention rule of
 * Chefer et al., shared by the classifier and the translator's encoder.
 */
export function accumulateRelevance(layers: readonly Map2d[]): Map2d[] {
  const n = layers[0]?.length ?? 0;
  let R: Map2d = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  return layers.map((layer) => {
    const step = multiply(layer, R);
    R = R.map((rowR, i) => rowR.map((x, j) => x + step[i][j]));
    return R;
  });
}

/**
 * One attention layer as probed, for one batch entry: A [h, queries, keys], V [keys, hkv·Dh],
 * G = ∂objective/∂O [queries, h·Dh].
 */
export interface ProbedLayer {
  readonly A: Float32Array;
  readonly V: Float32Array;
  readonly G: Float32Array;
  readonly heads: number;
  readonly kvHeads: number;
}

/**
 * The backend of a model that carries gradients, or a typed UNSUPPORTED naming `op`, the backend and what to use
 * instead; `argument` names the model's argument.
 */
export function gradientBackend(
  model: { readonly device: Device },
  { op, argument, instead }: { readonly op: string; readonly argument: string; readonly instead: string },
): Backend & GradientBackend {
  const backend = model.device.backend;
  if (!carriesGradients(backend)) {
    throw new AttnkitError(
      'UNSUPPORTED',
      `${op}: the ${backend.name} backend carries no gradients (a tfjs backend does). ${instead}`,
      { argument, given: backend.name },
    );
  }
  return backend;
}

/**
 * One forward and backward of a row with a probe on every layer's attention output: the objective is
 * `sign`·logit[target] (sign 1) or `sign`·log p[target] (sign −1: the cross-entropy of label `target`), its
 * value, and per layer the maps, values and gradient at the probe, read back. Each layer has its own head count
 * (pruned models).
 */
async function probeLayers(
  backend: GradientBackend,
  classifier: TextClassifier,
  row: readonly number[],
  target: number,
  sign: 1 | -1,
): Promise<{ value: number; n: number; Dh: number; layers: ProbedLayer[] }> {
  const { device, config } = classifier;
  const C = classifier.labels.length;
  const n = row.length + (config.pooling === 'cls' ? 1 : 0);
  const Dh = config.d_model / config.num_heads;
  const attention = classifier.encoder.layers.map((layer) => layer.selfAttention);
  let maps: DeviceTensor<'float32'>[] = [];
  let values: DeviceTensor<'float32'>[] = [];
  const { value, gradients } = await backend.probeGradients(
    attention.map((a) => [1, n, a.numHeads * Dh]),
    (probes) => {
      const out = classifier.forward([row], { returnAttentions: true, probes });
      maps = out.attentions ?? [];
      values = out.values ?? [];
      const scores = sign === 1 ? out.logits : device.logSoftmax(out.logits);
      const pick = device.upload(
        Float32Array.from({ length: C }, (_, k) => (k === target ? sign : 0)),
        [1, C],
      );
      const picked = device.mul(scores, pick);
      device.dispose(pick, out.logits, scores);
      return { value: picked, keep: [...maps, ...values] };
    },
  );
  try {
    const [A, V] = await Promise.all([
      Promise.all(maps.map((t) => device.read(t))),
      Promise.all(values.map((t) => device.read(t))),
    ]);
    const layers = attention.map((a, l) => ({
      A: A[l],
      V: V[l],
      G: gradients[l],
      heads: a.numHeads,
      kvHeads: a.numKvHeads,
    }));
    return { value, n, Dh, layers };
  } finally {
    device.dispose(...maps, ...values);
  }
}

/** Ā_l [queries][keys]: mean over heads of (∇A ⊙ A)⁺, ∇A^h[i][j] = Σ_c G[i][h·Dh + c]·V[j][g(h)·Dh + c]. */
export function relevanceMap(
  { A, V, G, heads: H, kvHeads: Hkv }: ProbedLayer,
  queries: number,
  keys: number,
  Dh: number,
): Map2d {
  const group = H / Hkv;
  const out: Map2d = Array.from({ length: queries }, () => new Array<number>(keys).fill(0));
  for (let h = 0; h < H; h++) {
    const kv = Math.floor(h / group);
    for (let i = 0; i < queries; i++) {
      for (let j = 0; j < keys; j++) {
        let grad = 0;
        for (let c = 0; c < Dh; c++) grad += G[i * H * Dh + h * Dh + c] * V[j * Hkv * Dh + kv * Dh + c];
        const weighted = grad * A[(h * queries + i) * keys + j];
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
  const backend = gradientBackend(classifier, {
    op: 'headImportanceByGradient',
    argument: 'classifier',
    instead: 'Use headImportanceByMasking there.',
  });
  if (rows.length !== labels.length || rows.length === 0)
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      'headImportanceByGradient: rows and labels must be non-empty and as many',
      {
        argument: 'labels',
      },
    );
  const importance = classifier.encoder.layers.map((layer) => new Array<number>(layer.selfAttention.numHeads).fill(0));
  for (const [r, row] of rows.entries()) {
    const { n, Dh, layers } = await probeLayers(backend, classifier, row, labels[r], -1);
    layers.forEach(({ A, V, G, heads: h, kvHeads: hkv }, l) => {
      for (let head = 0; head < h; head++) {
        const kv = Math.floor(head / (h / hkv));
        let dot = 0;
        for (let i = 0; i < n; i++)
          for (let c = 0; c < Dh; c++) {
            let o = 0;
            for (let j = 0; j < n; j++) o += A[(head * n + i) * n + j] * V[j * hkv * Dh + kv * Dh + c];
            dot += G[i * h * Dh + head * Dh + c] * o;
          }
        importance[l][head] += Math.abs(dot) / rows.length;
      }
    });
  }
  return importance;
}
