import { type Backend, createDevice } from '@attnkit/core';
import {
  type ExplanationMethod,
  explainAttention,
  gradientRelevance,
  greedyPruning,
  loadClassifier,
  type PruningStep,
  readoutWeights,
} from '@attnkit/models';
import type { Email } from '../data/spam.js';
import { UNK_ID } from './classify.js';
import {
  areaUnderCurve,
  bootstrapMean,
  curveRows,
  type MeanWithInterval,
  randomRanking,
  rankByScore,
} from './faithfulness.js';

/**
 * The orders compared: attention-based methods, gradient-weighted relevance (on a backend with gradients), and a
 * seeded random order as the floor.
 */
export type RankingMethod = Exclude<ExplanationMethod, 'flow'> | 'random';
export const RANKING_METHODS: readonly RankingMethod[] = ['raw', 'rollout', 'gradient', 'random'];

export interface FaithfulnessResult {
  readonly mails: number;
  readonly steps: number;
  readonly fractions: number[];
  /** Per method: mean curves and the areas under them with 95% bootstrap intervals. */
  readonly methods: Record<
    RankingMethod,
    {
      readonly deletion: MeanWithInterval;
      readonly insertion: MeanWithInterval;
      readonly deletionCurve: number[];
      readonly insertionCurve: number[];
    }
  >;
}

/**
 * Deletion and insertion curves (faithfulness.ts) of each ranking method on the given mails, for the class the
 * model predicts on each whole mail. Attention flow is left out: on mails of up to 512 tokens its graph is far
 * past explainAttention's FLOW_MAX_NODES. Gradient relevance runs on `gradientBackend` (a tfjs one: `backend`,
 * the fast one that scores every curve, may carry no gradients), on the same weights, for the same class.
 */
export async function spamFaithfulness(
  backend: Backend,
  gradientBackend: Backend,
  folder: string,
  mails: readonly Email[],
  steps = 10,
  onMail?: (done: number) => void,
): Promise<FaithfulnessResult> {
  const { model, tokenizer } = await loadClassifier(createDevice(backend), folder);
  const { model: differentiable } = await loadClassifier(createDevice(gradientBackend), folder);
  try {
    const areas = Object.fromEntries(
      RANKING_METHODS.map((m) => [
        m,
        { deletion: [] as number[], insertion: [] as number[], del: [] as number[][], ins: [] as number[][] },
      ]),
    );
    let fractions: number[] = [];
    for (const [index, mail] of mails.entries()) {
      const encoded = tokenizer.encode(mail.text);
      const ids = encoded.length > 0 ? encoded : [UNK_ID];
      const [whole] = await model.classify([ids], { returnAttentions: true });
      const c = whole.probabilities.indexOf(Math.max(...whole.probabilities));
      const readout = readoutWeights(model.config.pooling, ids.length + (model.config.pooling === 'cls' ? 1 : 0));
      for (const method of RANKING_METHODS) {
        const ranking =
          method === 'random'
            ? randomRanking(ids.length, 1 + mail.id)
            : method === 'gradient'
              ? rankByScore(
                  withoutCls(
                    model.config.pooling,
                    (await gradientRelevance(differentiable, ids, { target: c })).tokenScores,
                  ),
                )
              : rankByScore(
                  withoutCls(
                    model.config.pooling,
                    explainAttention(whole.attentions!, readout, { method }).tokenScores,
                  ),
                );
        const curve = curveRows(ids, ranking, steps, UNK_ID);
        fractions = curve.fractions;
        const outputs = await model.classify(curve.rows);
        const p = outputs.map((o) => o.probabilities[c]);
        const deletion = p.slice(0, steps + 1);
        const insertion = p.slice(steps + 1);
        const a = areas[method];
        a.deletion.push(areaUnderCurve(fractions, deletion));
        a.insertion.push(areaUnderCurve(fractions, insertion));
        a.del.push(deletion);
        a.ins.push(insertion);
      }
      onMail?.(index + 1);
    }
    const meanCurve = (curves: number[][]) =>
      fractions.map((_, k) => curves.reduce((s, curve) => s + curve[k], 0) / curves.length);
    return {
      mails: mails.length,
      steps,
      fractions,
      methods: Object.fromEntries(
        RANKING_METHODS.map((m) => [
          m,
          {
            deletion: bootstrapMean(areas[m].deletion, 1),
            insertion: bootstrapMean(areas[m].insertion, 2),
            deletionCurve: meanCurve(areas[m].del),
            insertionCurve: meanCurve(areas[m].ins),
          },
        ]),
      ) as FaithfulnessResult['methods'],
    };
  } finally {
    model.dispose();
    differentiable.dispose();
  }
}

/** Scores of the mail's own tokens: a CLS position (which no curve removes) is dropped. */
function withoutCls(pooling: string, scores: number[]): number[] {
  return pooling === 'cls' ? scores.slice(1) : scores;
}

/** Greedy head pruning of the classifier on the given mails (accuracy and cross-entropy per step). */
export async function spamPruning(backend: Backend, folder: string, mails: readonly Email[]): Promise<PruningStep[]> {
  const { model, tokenizer } = await loadClassifier(createDevice(backend), folder);
  try {
    const spam = model.labels.indexOf('spam');
    const ham = model.labels.indexOf('ham');
    const rows = mails.map((m) => {
      const ids = tokenizer.encode(m.text);
      return ids.length > 0 ? ids : [UNK_ID];
    });
    return await greedyPruning(
      model,
      rows,
      mails.map((m) => (m.label === 'spam' ? spam : ham)),
      { keep: 1 },
    );
  } finally {
    model.dispose();
  }
}
