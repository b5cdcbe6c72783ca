import { AttnkitError } from '@attnkit/core';
import type { Pooling } from '../config.js';
import { type HeadReduction, type Map2d, multiply, readOut, reduceHeads, withResidual } from './head-average.js';
import { maxFlow } from './max-flow.js';

/**
 * Notation: L layers · H heads · n tokens · w [n] read-out weights (which positions the output is read from:
 * the CLS position, or every token for mean pooling), normalized to sum to 1.
 *
 *   raw      scores = wᵀ·A_L, the last layer's map with its heads reduced;
 *   rollout  Â_l = (1 − r)·A_l + r·I (the residual, rows renormalized), R = Â_L·…·Â_1, scores = wᵀ·R
 *            (Abnar & Zuidema 2020, eq. 1: the share of each input token in each top-layer position);
 *   flow     the same Â_l as capacities of a layered graph (node (l, i) is position i after layer l; edge
 *            (l−1, j) → (l, i) with capacity Â_l[i][j]) plus a sink fed by (L, i) with capacity w_i; the score of
 *            token j is the maximum flow from (0, j) to the sink (Abnar & Zuidema 2020, attention flow).
 * Raw attention ignores the residual stream and every layer but one; rollout and flow follow information
 * through all layers, flow without rollout's assumption that paths mix linearly.
 */
/** 'gradient' needs the model and a backend with gradients: `gradientRelevance` (explain/gradient.ts). */
export type ExplanationMethod = 'raw' | 'rollout' | 'flow' | 'gradient';

export interface ExplainOptions {
  readonly method: ExplanationMethod;
  /** How a layer's heads become one map (default 'mean'). */
  readonly heads?: HeadReduction;
  /** r, the weight of the residual connection in Â (default 0.5, as in the paper). Not used by 'raw'. */
  readonly residual?: number;
}

export interface AttentionExplanation {
  readonly method: ExplanationMethod;
  /** [n]: how much each input token contributes to the read-out, by this method. */
  readonly tokenScores: number[];
  /**
   * [L][n][n]: raw, the head-reduced map of each layer; rollout, R after each layer (Â_l·…·Â_1); flow, the
   * capacities Â_l it ran on.
   */
  readonly maps: Map2d[];
  /** What was averaged and how, in words, for a figure's caption. */
  readonly averaged: string;
}

/**
 * Flow solves one maximum-flow problem per token on a graph of (L + 1)·n + 1 nodes, O(V·E²) each in the worst
 * case: up to 256 nodes (e.g. 2 layers × 80 tokens) it takes well under a second. Longer inputs are refused
 * with the reason; rollout has no such limit.
 */
export const FLOW_MAX_NODES = 256;

/** The read-out weights of a classifier's pooling over n tokens (CLS included when pooling is 'cls'). */
export function readoutWeights(pooling: Pooling, n: number): number[] {
  if (pooling === 'cls') return Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0));
  return new Array<number>(n).fill(1 / n);
}

/** Explains from a model's attention maps [layer][head][query][key] over n real tokens. */
export function explainAttention(
  attentions: readonly (readonly (readonly (readonly number[])[])[])[],
  readout: readonly number[],
  options: ExplainOptions,
): AttentionExplanation {
  const { method, heads = 'mean', residual = 0.5 } = options;
  if (method === 'gradient') {
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      "explainAttention: method 'gradient' needs the model's gradients, not only its maps; call gradientRelevance(classifier, row) (or a pipeline's explain) instead",
      { argument: 'options.method', given: method },
    );
  }
  const L = attentions.length;
  const n = readout.length;
  check(L > 0, 'attentions', 'at least one layer', `${L} layers`);
  for (const [l, layer] of attentions.entries()) {
    check(layer.length > 0, `attentions[${l}]`, 'at least one head', '0 heads');
    for (const map of layer)
      check(
        map.length === n && map.every((row) => row.length === n),
        `attentions[${l}]`,
        `[${n}][${n}] maps per head (n = readout.length)`,
        `a map of ${map.length} rows`,
      );
  }
  check(residual >= 0 && residual <= 1, 'options.residual', 'a number in [0, 1]', String(residual));
  const total = readout.reduce((s, x) => s + x, 0);
  check(
    total > 0 && readout.every((x) => x >= 0),
    'readout',
    'non-negative weights with a positive sum',
    `sum ${total}`,
  );
  const w = readout.map((x) => x / total);
  const reduced = attentions.map((layer) => reduceHeads(layer, heads));
  const headsText = heads === 'mean' ? 'heads averaged (mean)' : 'heads reduced by element-wise max';

  if (method === 'raw') {
    return {
      method,
      tokenScores: readOut(reduced[L - 1], w),
      maps: reduced,
      averaged: `last layer's attention, ${headsText}, read out at the pooled positions`,
    };
  }
  const mixed = reduced.map((map) => withResidual(map, residual));
  const mixText = `${headsText}; residual folded in as ${1 - residual}·A + ${residual}·I, rows renormalized`;
  if (method === 'rollout') {
    const maps: Map2d[] = [];
    let rolled = mixed[0];
    maps.push(rolled);
    for (let l = 1; l < L; l++) maps.push((rolled = multiply(mixed[l], rolled)));
    return {
      method,
      tokenScores: readOut(rolled, w),
      maps,
      averaged: `attention rollout over ${L} layers: ${mixText}; product read out at the pooled positions`,
    };
  }
  const nodes = (L + 1) * n + 1;
  if (nodes > FLOW_MAX_NODES) {
    throw new AttnkitError(
      'UNSUPPORTED',
      `explainAttention: attention flow over ${L} layers × ${n} tokens needs ${nodes} graph nodes; the limit is ${FLOW_MAX_NODES} (one max-flow per token). Use 'rollout' for longer inputs.`,
      { argument: 'options.method', given: method },
    );
  }
  return {
    method,
    tokenScores: flowScores(mixed, w),
    maps: mixed,
    averaged: `attention flow over ${L} layers: ${mixText}; capacities into a sink weighted by the pooled positions`,
  };
}

/** Per input token, the maximum flow through the capacities `mixed` [L][n][n] into a sink fed with weights `w`. */
export function flowScores(mixed: readonly Map2d[], w: readonly number[]): number[] {
  const n = w.length;
  const L = mixed.length;
  const sink = (L + 1) * n;
  const capacity = Array.from({ length: sink + 1 }, () => new Float64Array(sink + 1));
  for (let l = 1; l <= L; l++)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) capacity[(l - 1) * n + j][l * n + i] = mixed[l - 1][i][j];
  for (let i = 0; i < n; i++) capacity[L * n + i][sink] = w[i];
  return Array.from({ length: n }, (_, j) => maxFlow(capacity, j, sink));
}

function check(ok: boolean, argument: string, expected: string, given: string): void {
  if (!ok)
    throw new AttnkitError('INVALID_ARGUMENT', `explainAttention: ${argument} must be ${expected}, got ${given}`, {
      argument,
      given,
    });
}
