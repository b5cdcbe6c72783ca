import { AttnkitError } from '@attnkit/core';
import { FLOW_MAX_NODES, flowScores } from './explain.js';
import { type HeadReduction, type Map2d, multiply, reduceHeads, withResidual } from './head-average.js';

/**
 * Which source tokens each generated token rests on, from a translation's attention maps.
 *
 * Notation: S source tokens (EOS included) · N generated steps (the EOS step included when there is one) ·
 * C_l [N][S] the cross-attention of decoder layer l, heads reduced · A_l [S][S] encoder layer l's
 * self-attention, heads reduced · Â_l = (1 − r)·A_l + r·I (the residual, rows renormalized)
 *
 *   raw      scores[t] = C_L[t]: the last decoder layer's cross-attention;
 *   rollout  scores[t] = C_L[t] · R_enc,  R_enc = Â_L·…·Â_1: the cross-attention carried back through the
 *            encoder's rollout (Abnar & Zuidema 2020), so a source position counts for the input tokens it
 *            mixed in rather than as itself.
 *   flow     scores[t][j] = the maximum flow from input token j through the encoder's layered graph of
 *            capacities Â_1…Â_L into a sink fed by position k with capacity C_L[t][k] (Abnar & Zuidema 2020,
 *            attention flow, with step t's cross-attention as the read-out).
 *
 * The decoder's self-attention is not followed: the question is which source tokens a step read. Raw and
 * rollout give rows that sum to 1; flow's rows do not (a flow is bounded by each path's narrowest edge).
 * Gradient-weighted relevance needs the model and its gradients, not only these maps: it is
 * `translationGradientRelevance` (explain/translation-gradient.ts), which `TranslationPipeline.explain` uses for
 * method 'gradient'; here 'gradient' is a typed UNSUPPORTED pointing there, not a substitute.
 */
export type TranslationMethod = 'raw' | 'rollout' | 'flow';

export interface TranslationExplainOptions {
  readonly method: TranslationMethod | 'gradient';
  /** How a layer's heads become one map (raw, rollout and flow; default 'mean'; gradient always averages). */
  readonly heads?: HeadReduction;
  /** r of Â (rollout and flow; default 0.5, as in the paper). */
  readonly residual?: number;
}

export interface TranslationExplanation {
  readonly method: TranslationMethod | 'gradient';
  /** [N][S]: per generated step, the share of each source token (gradient: its relevance, rows not summing to 1). */
  readonly tokenScores: number[][];
  /**
   * rollout: R_enc [S][S]; raw and flow: the last decoder layer's cross-attention [N][S] (flow's sink weights);
   * gradient: X [N][S], each step's gradient-weighted cross-attention summed over the decoder layers, before the
   * encoder's relevance (explain/translation-gradient.ts).
   */
  readonly maps: Map2d;
  readonly averaged: string;
}

export function explainTranslation(
  cross: readonly (readonly (readonly (readonly number[])[])[])[],
  encoder: readonly (readonly (readonly (readonly number[])[])[])[],
  options: TranslationExplainOptions,
): TranslationExplanation {
  const { method, heads = 'mean', residual = 0.5 } = options;
  checkTranslationMethod(method);
  if (cross.length === 0 || encoder.length === 0)
    throw new AttnkitError('INVALID_ARGUMENT', 'explainTranslation: cross and encoder maps need at least one layer', {
      argument: cross.length === 0 ? 'cross' : 'encoder',
    });
  if (!(residual >= 0 && residual <= 1))
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `explainTranslation: options.residual must be in [0, 1], got ${residual}`,
      {
        argument: 'options.residual',
        given: String(residual),
      },
    );
  const headsText = heads === 'mean' ? 'heads averaged (mean)' : 'heads reduced by element-wise max';
  const last = reduceHeads(cross[cross.length - 1], heads);
  if (method === 'raw') {
    return {
      method,
      tokenScores: last,
      maps: last,
      averaged: `the last decoder layer's cross-attention, ${headsText}`,
    };
  }
  const mixed = encoder.map((layer) => withResidual(reduceHeads(layer, heads), residual));
  const S = mixed[0].length;
  if (last[0] && last[0].length !== S)
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `explainTranslation: cross maps have ${last[0].length} source positions, the encoder maps ${S}`,
      {
        argument: 'cross',
      },
    );
  const mixText = `residual folded in as ${1 - residual}·A + ${residual}·I, rows renormalized`;
  if (method === 'flow') {
    const nodes = (encoder.length + 1) * S + 1;
    if (nodes > FLOW_MAX_NODES)
      throw new AttnkitError(
        'UNSUPPORTED',
        `explainTranslation: attention flow over ${encoder.length} encoder layers × ${S} source tokens needs ${nodes} graph nodes; the limit is ${FLOW_MAX_NODES} (one max-flow per source token and step). Use 'rollout' for longer inputs.`,
        { argument: 'options.method', given: method },
      );
    return {
      method,
      tokenScores: last.map((row) => flowScores(mixed, row)),
      maps: last,
      averaged: `attention flow through the encoder's ${encoder.length} layers (${headsText}; ${mixText}) into a sink fed by the last decoder layer's cross-attention of each step`,
    };
  }
  let rolled = mixed[0];
  for (let l = 1; l < mixed.length; l++) rolled = multiply(mixed[l], rolled);
  const scores = last.map((row) =>
    Array.from({ length: S }, (_, j) => row.reduce((s, c, k) => s + c * rolled[k][j], 0)),
  );
  return {
    method,
    tokenScores: scores,
    maps: rolled,
    averaged: `the last decoder layer's cross-attention (${headsText}) carried through the encoder's rollout over ${encoder.length} layers (${mixText})`,
  };
}

/**
 * 'raw', 'rollout' and 'flow' explain from maps; 'gradient' is a typed UNSUPPORTED here (it needs the model),
 * anything else INVALID_ARGUMENT.
 */
export function checkTranslationMethod(method: string): asserts method is TranslationMethod {
  if (method === 'gradient') {
    throw new AttnkitError(
      'UNSUPPORTED',
      `explainTranslation: method '${method}' needs the model's gradients, not only its maps; call translationGradientRelevance(translator, source, generated) or TranslationPipeline.explain(text, { method: 'gradient' }) on a backend that carries gradients (tfjs), or use 'raw', 'rollout' or 'flow' here`,
      { argument: 'options.method', given: method },
    );
  }
  if (method !== 'raw' && method !== 'rollout' && method !== 'flow')
    throw new AttnkitError('INVALID_ARGUMENT', `explainTranslation: unknown method ${String(method)}`, {
      argument: 'options.method',
      expected: 'raw | rollout | flow',
      given: String(method),
    });
}
