import type { BinaryMetrics } from '../metrics/classification.js';
import type { FaithfulnessResult, RankingMethod } from './explain-spam.js';
import type { PruningSpeed } from './prune-spam.js';

export const EXPLAIN_START = '<!-- zoo:explain:start -->';
export const EXPLAIN_END = '<!-- zoo:explain:end -->';

export interface ExplainRecord {
  readonly command: string;
  readonly backend: string;
  /** Where gradient relevance ran (a backend with gradients). */
  readonly gradientBackend?: string;
  readonly testMails: number;
  readonly devMails: number;
  readonly minutes: number;
  readonly faithfulness: FaithfulnessResult;
  readonly pruning: readonly {
    readonly pruned: readonly (readonly [number, number])[];
    readonly accuracy: number;
    readonly loss: number;
  }[];
  /** The pruning step recommended by recommendedStep, its speed, and (once) its test score. */
  readonly recommended?: {
    readonly heads: number;
    readonly of: number;
    readonly pruned: readonly (readonly [number, number])[];
    readonly devAccuracy: number;
    readonly speed: PruningSpeed;
    readonly test?: BinaryMetrics;
  };
  /** The command that timed `recommended.speed` when it was re-timed alone (`--speed-only`). */
  readonly speedCommand?: string;
}

const LABELS: Record<RankingMethod, string> = {
  raw: 'raw attention (last layer, heads averaged)',
  rollout: 'attention rollout (residual 0.5)',
  gradient: 'gradient-weighted relevance (Chefer et al. 2021)',
  random: 'random order',
};

const interval = (m: { mean: number; low: number; high: number }) =>
  `${m.mean.toFixed(3)} [${m.low.toFixed(3)}, ${m.high.toFixed(3)}]`;

/** The card's explanation block, markers included, from one run of `pnpm zoo:explain`. */
export function explainBlock(r: ExplainRecord): string {
  const f = r.faithfulness;
  const methods = Object.keys(f.methods) as RankingMethod[];
  // Greedy pruning keeps one head: its steps are 0 … heads − 1 pruned, so there are as many steps as heads.
  const heads = r.pruning.length;
  return [
    EXPLAIN_START,
    `Reproduce with \`${r.command} --write\` (${r.backend}${r.gradientBackend ? `; gradient relevance on ${r.gradientBackend}` : ''}; ${r.minutes} min).`,
    '',
    `**Faithfulness** on the ${f.mails} test mails: tokens removed (deletion) or kept (insertion) in the order each`,
    `method ranks them, ${f.steps} steps, tracking the probability of the class predicted on the whole mail. Lower`,
    'deletion area and higher insertion area mean the ranking found the evidence; 95% bootstrap intervals over',
    'mails. Attention flow is not run here: mails of up to 512 tokens are far past its graph limit. This is a',
    'read of the test split that chooses nothing (no model, method or setting is picked by it); the card counts it.',
    '',
    '| method | deletion AUC ↓ | insertion AUC ↑ |',
    '|---|---|---|',
    ...methods.map(
      (m) => `| ${LABELS[m]} | ${interval(f.methods[m].deletion)} | ${interval(f.methods[m].insertion)} |`,
    ),
    '',
    `**Head pruning** on the ${r.devMails} dev mails, greedy (the head whose removal raises the cross-entropy least`,
    "goes next). These dev mails chose the shipped weights' training step, so the accuracies are slightly",
    'optimistic in level; the shape of the curve is what they show. Test has not been read for a pruned model.',
    '',
    '| heads pruned | fraction | dev accuracy | dev cross-entropy | last pruned (layer, head) |',
    '|---|---|---|---|---|',
    ...r.pruning.map(
      (s, k) =>
        `| ${k} | ${(k / heads).toFixed(3)} | ${(100 * s.accuracy).toFixed(2)}% | ${s.loss.toFixed(4)} | ${
          k === 0 ? '—' : `(${s.pruned[k - 1].join(', ')})`
        } |`,
    ),
    ...recommendedLines(r),
    EXPLAIN_END,
  ].join('\n');
}

function recommendedLines(r: ExplainRecord): string[] {
  const rec = r.recommended;
  if (!rec) return [];
  const s = rec.speed;
  const ratio = (ms: number) => `${ms.toFixed(0)} ms (${(s.fullMs / ms).toFixed(2)}×)`;
  return [
    '',
    `**Recommended pruned model:** ${rec.heads} of ${rec.of} heads removed, the most whose dev accuracy stays within`,
    `one mail of the full model's (a rule fixed before the curve was read): dev accuracy ${(100 * rec.devAccuracy).toFixed(2)}%.`,
    'Its weights are pruned for real (`pruneHeads`, `config.pruned_heads`), a smaller folder rather than a mask.',
    rec.test
      ? `On test, read once for this configuration: accuracy ${(100 * rec.test.accuracy).toFixed(2)}%, F1 ${rec.test.f1.toFixed(4)}, ${rec.test.fp + rec.test.fn} errors (${rec.test.fp} FP, ${rec.test.fn} FN).`
      : 'Test has not been read for it.',
    '',
    `Classifying the ${s.mails} dev mails in batches of 16 (${s.backend}; median of ${s.rounds ?? 5} interleaved rounds; load ${s.load}${r.speedCommand ? `; \`${r.speedCommand}\`` : ''}):`,
    '',
    '| model | time (speed-up) |',
    '|---|---|',
    `| full | ${s.fullMs.toFixed(0)} ms |`,
    `| full, pruned heads masked (headMask) | ${ratio(s.maskedMs)} |`,
    `| pruned weights | ${ratio(s.prunedMs)} |`,
  ];
}
