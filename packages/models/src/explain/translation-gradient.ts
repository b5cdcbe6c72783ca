import type { DeviceTensor } from '@attnkit/core';
import { headSize, headsOf } from '../config.js';
import { argumentError } from '../errors.js';
import type { ProbedTranslation, Seq2SeqTranslator } from '../seq2seq.js';
import {
  accumulateRelevance,
  type GradientBackend,
  gradientBackend,
  type ProbedLayer,
  relevanceMap,
} from './gradient.js';
import type { Map2d } from './head-average.js';
import type { TranslationExplanation } from './translation.js';

/**
 * Gradient-weighted relevance of a translation (Chefer, Gur & Wolf 2021, the encoder–decoder rules), per
 * generated step over the source tokens.
 *
 * Notation: S source tokens (EOS included) · N generated steps (the EOS step included when there is one) ·
 * y_t the logit of the token generated at step t, under teacher forcing (the decoder reads BOS and the tokens
 * before t) · for one attention layer: A^h its probabilities, V its values, G = ∂y_t/∂O at a zero probe on
 * its output O = A·V, ∇A^h = G_h·V_g(h)ᵀ, and Ā = mean_h (∇A^h ⊙ A^h)⁺ (explain/gradient.ts) ·
 * Ā_enc,l [S][S] of encoder layer l · Ā_cross,l [N][S] of decoder layer l's cross-attention
 *
 *   R_enc,t   = (I + Ā_enc,L)·…·(I + Ā_enc,1)   i.e. R_0 = I, R_l = R_{l−1} + Ā_enc,l·R_{l−1} (the classifier's rule)
 *   X_t       = Σ_l Ā_cross,l[t]                row t, summed over the decoder layers                          [S]
 *   scores[t] = X_t · R_enc,t                                                                                [S]
 *
 * Every term depends on t: the gradients are those of y_t (one probe gradient per step; the steps are the rows
 * of one batch, which never mix, so row t's probes get ∂y_t alone). Chefer et al. start the target–source
 * relevance at R^{ts} = 0 and, at each decoder layer, follow the self-attention (R^{ts} += Ā^{tt}·R^{ts}) and then
 * add the cross-attention's share, R^{ts} += (R^{tt})ᵀ·Ā^{ts}·R^{ss}. The decoder's self-attention is not followed
 * here, as in the translation rollout (explain/translation.ts): the question is which source tokens a step read,
 * not which earlier steps it read them through. So R^{tt} = I; every decoder layer attends to the same encoder
 * output, so R^{ss} = R_enc is the same for each, and the rule adds Ā^{ts}_l·R_enc once per layer: the sum over
 * the decoder layers, not the last layer alone. Only row t of each Ā^{ts}_l is kept: the other rows reach y_t
 * through the decoder's self-attention, the part left out. The paper's default also rescales R^{ss} off its
 * diagonal (its eq. 8–9); R_enc is used as the classifier uses it, so both gradient explanations share one rule.
 * Scores are ≥ 0 (X_t ≥ 0, R_enc ≥ I entry-wise) and rows do not sum to 1.
 */
export interface TranslationGradientRelevance extends TranslationExplanation {
  readonly method: 'gradient';
  /** [N][S][S]: R_enc,t of each step (it differs by step: the gradients are of y_t). */
  readonly encoderRelevance: Map2d[];
  /** [N]: y_t, the logit of the token generated at step t, under teacher forcing. */
  readonly logits: number[];
}

export interface TranslationGradientOptions {
  /**
   * Steps explained per forward and backward (default 16): each is a row of one batch, so a pass's memory grows
   * with it, and a longer translation takes several passes. The result does not depend on it.
   */
  readonly stepsPerPass?: number;
}

/**
 * Explains a translation already generated: `source` is the complete source row (EOS included, as `encode`
 * takes it) and `generated` the generated tokens, EOS included when generation finished. On a backend that
 * carries gradients (tfjs); elsewhere a typed UNSUPPORTED.
 */
export async function translationGradientRelevance(
  translator: Seq2SeqTranslator,
  source: readonly number[],
  generated: readonly number[],
  { stepsPerPass = 16 }: TranslationGradientOptions = {},
): Promise<TranslationGradientRelevance> {
  const op = 'translationGradientRelevance';
  const backend = gradientBackend(translator, {
    op,
    argument: 'translator',
    instead: "Use method 'raw', 'rollout' or 'flow' there (explainTranslation).",
  });
  const { config } = translator;
  if (!Array.isArray(generated) || generated.length === 0)
    throw argumentError(op, 'generated', 'must hold at least one generated token');
  const bad = generated.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= config.vocab_size);
  if (bad >= 0)
    throw argumentError(
      op,
      `generated[${bad}]`,
      `must be a token id in [0, ${config.vocab_size}), got ${generated[bad]}`,
    );
  if (!Number.isInteger(stepsPerPass) || stepsPerPass < 1)
    throw argumentError(op, 'options.stepsPerPass', `must be an integer ≥ 1, got ${stepsPerPass}`);
  const S = source.length;
  const N = generated.length;
  const Dh = headSize(config);
  const heads = {
    encoder: Array.from({ length: config.encoder_layers }, (_, l) => headsOf(config, `encoder.layers.${l}.self_attn`)),
    cross: Array.from({ length: config.decoder_layers }, (_, l) => headsOf(config, `decoder.layers.${l}.encoder_attn`)),
  };
  const tokenScores: number[][] = [];
  const maps: Map2d = [];
  const encoderRelevance: Map2d[] = [];
  const logits: number[] = [];
  for (let first = 0; first < N; first += stepsPerPass) {
    const steps = Array.from({ length: Math.min(stepsPerPass, N - first) }, (_, b) => first + b);
    const probed = await probeSteps(backend, translator, source, generated, steps, heads);
    const B = steps.length;
    for (const [b, t] of steps.entries()) {
      const encoder = heads.encoder.map((H, l) =>
        relevanceMap(entry(probed.encoder[l], b, { B, H, queries: S, keys: S, Dh }), S, S, Dh),
      );
      const R = accumulateRelevance(encoder).at(-1)!;
      const X = new Array<number>(S).fill(0);
      for (const [l, H] of heads.cross.entries()) {
        const layer = queryRow(entry(probed.cross[l], b, { B, H, queries: N, keys: S, Dh }), t, N, S, Dh);
        for (const [j, x] of relevanceMap(layer, 1, S, Dh)[0].entries()) X[j] += x;
      }
      tokenScores.push(Array.from({ length: S }, (_, j) => X.reduce((s, x, k) => s + x * R[k][j], 0)));
      maps.push(X);
      encoderRelevance.push(R);
      logits.push(probed.logits[b]);
    }
  }
  return {
    method: 'gradient',
    tokenScores,
    maps,
    encoderRelevance,
    logits,
    averaged: `gradient-weighted relevance of each step's logit: per decoder layer, the step's row of the cross-attention's heads averaged (mean) of the positive part of ∂y/∂A ⊙ A, summed over ${heads.cross.length} decoder layers, times the encoder's relevance R = I + Ā·R over ${heads.encoder.length} layers; the decoder's self-attention is not followed`,
  };
}

/** One layer as read back for a whole pass: maps, values and the gradient at its probe, batch-major. */
interface PassLayer {
  readonly A: Float32Array;
  readonly V: Float32Array;
  readonly G: Float32Array;
}

/**
 * One forward and backward with row b of the batch explaining step steps[b]: its decoder reads the same prefix,
 * but its objective is y at position steps[b]. Returns per layer the read-back maps, values and gradients, and
 * each row's y.
 */
async function probeSteps(
  backend: GradientBackend,
  translator: Seq2SeqTranslator,
  source: readonly number[],
  generated: readonly number[],
  steps: readonly number[],
  heads: { readonly encoder: readonly number[]; readonly cross: readonly number[] },
): Promise<{ logits: number[]; encoder: PassLayer[]; cross: PassLayer[] }> {
  const { device, config } = translator;
  const B = steps.length;
  const V = config.vocab_size;
  const Dh = headSize(config);
  const decoderInput = [config.bos_token_id, ...generated.slice(0, -1)];
  let out: ProbedTranslation | undefined;
  try {
    const { gradients } = await backend.probeGradients(
      [
        ...heads.encoder.map((h) => [B, source.length, h * Dh]),
        ...heads.cross.map((h) => [B, generated.length, h * Dh]),
      ],
      (probes) => {
        out = translator.probedForward(
          steps.map(() => source),
          steps.map(() => decoderInput),
          {
            encoder: probes.slice(0, heads.encoder.length),
            cross: probes.slice(heads.encoder.length),
            positions: steps,
          },
        );
        const oneHot = new Float32Array(B * V);
        for (const [b, t] of steps.entries()) oneHot[b * V + generated[t]] = 1;
        const pick = device.upload(oneHot, [B, V]);
        const picked = device.mul(out.logits, pick);
        device.dispose(pick);
        return { value: picked, keep: keptOf(out) };
      },
    );
    const probed = out!;
    const read = (tensors: readonly DeviceTensor<'float32'>[]) => Promise.all(tensors.map((t) => device.read(t)));
    const [logits, encA, encV, crossA, crossV] = await Promise.all([
      device.read(probed.logits),
      read(probed.encoderAttentions),
      read(probed.encoderValues),
      read(probed.crossAttentions),
      read(probed.crossValues),
    ]);
    const encoderG = gradients.slice(0, heads.encoder.length);
    const crossG = gradients.slice(heads.encoder.length);
    return {
      logits: steps.map((t, b) => logits[b * V + generated[t]]),
      encoder: encA.map((A, l) => ({ A, V: encV[l], G: encoderG[l] })),
      cross: crossA.map((A, l) => ({ A, V: crossV[l], G: crossG[l] })),
    };
  } finally {
    if (out) device.dispose(...keptOf(out));
  }
}

function keptOf(out: ProbedTranslation): DeviceTensor[] {
  return [out.logits, ...out.encoderAttentions, ...out.encoderValues, ...out.crossAttentions, ...out.crossValues];
}

/**
 * Batch entry b of one layer's read-back: A [B, H, queries, keys], V [B, keys, Hkv·Dh], G [B, queries, H·Dh].
 * Hkv is read off V's width (a grouped-query model has fewer key/value heads than query heads).
 */
function entry(
  data: PassLayer,
  b: number,
  { B, H, queries, keys, Dh }: { B: number; H: number; queries: number; keys: number; Dh: number },
): ProbedLayer {
  const aSize = H * queries * keys;
  const vSize = data.V.length / B;
  const gSize = queries * H * Dh;
  return {
    A: data.A.subarray(b * aSize, (b + 1) * aSize),
    V: data.V.subarray(b * vSize, (b + 1) * vSize),
    G: data.G.subarray(b * gSize, (b + 1) * gSize),
    heads: H,
    kvHeads: vSize / keys / Dh,
  };
}

/** Query row t of a probed layer, as a layer of one query: A [H, 1, keys], G [1, H·Dh], V unchanged. */
function queryRow(layer: ProbedLayer, t: number, queries: number, keys: number, Dh: number): ProbedLayer {
  const { heads: H } = layer;
  const A = new Float32Array(H * keys);
  for (let h = 0; h < H; h++) A.set(layer.A.subarray((h * queries + t) * keys, (h * queries + t + 1) * keys), h * keys);
  return { ...layer, A, G: layer.G.subarray(t * H * Dh, (t + 1) * H * Dh) };
}
