import { type Backend, createDevice } from '@attnkit/core';
import {
  attentionModules,
  greedyModulePruning,
  headsOf,
  loadTranslator,
  type ModulePruningStep,
} from '@attnkit/models';
import type { G2pWord } from '../data/cmudict.js';
import { g2pScore } from '../metrics/sequence.js';

/**
 * Greedy head pruning of the g2p translator (encoder, decoder self- and cross-attention: 24 heads). The head
 * to remove next is the one whose removal raises the teacher-forced cross-entropy of the words' first
 * pronunciations least (cheap: one batched forward per candidate); each step's WER and PER come from greedy
 * decoding of the same words with that step's mask.
 *
 * Notation: N words · T_b target length of word b (phonemes + EOS) · p_b,t the probability of its t-th token
 *   loss = −(1/Σ T_b) · Σ_b Σ_t log p_b,t
 */
export interface G2pPruningStep extends ModulePruningStep {
  readonly wer: number;
  readonly per: number;
}

export async function g2pPruning(
  backend: Backend,
  folder: string,
  words: readonly G2pWord[],
): Promise<G2pPruningStep[]> {
  const { model, tokenizer } = await loadTranslator(createDevice(backend), folder);
  try {
    const { config } = model;
    const eos = config.eos_token_id;
    const sources = words.map((w) => [...tokenizer.encode(w.word), eos]);
    const targets = words.map((w) => [...w.pronunciations[0].map((p) => tokenizer.idOf(p)!), eos]);
    const inputs = targets.map((t) => [config.bos_token_id, ...t.slice(0, -1)]);
    const T = Math.max(...inputs.map((r) => r.length));
    const V = config.vocab_size;
    const loss = async (headMask: Record<string, number[]>) => {
      const logits = model.teacherForcedLogits(sources, inputs, { headMask });
      const values = await model.device.read(logits);
      model.device.dispose(logits);
      let total = 0;
      let count = 0;
      targets.forEach((target, b) => {
        target.forEach((id, t) => {
          const row = values.subarray((b * T + t) * V, (b * T + t + 1) * V);
          let max = Number.NEGATIVE_INFINITY;
          for (const x of row) max = Math.max(max, x);
          let sum = 0;
          for (const x of row) sum += Math.exp(x - max);
          total -= row[id] - max - Math.log(sum);
          count++;
        });
      });
      return total / count;
    };
    const heads = Object.fromEntries(attentionModules(config).map((m) => [m, headsOf(config, m)]));
    const steps = await greedyModulePruning(heads, loss);
    const scored: G2pPruningStep[] = [];
    for (const step of steps) {
      const outputs: string[] = [];
      for (let start = 0; start < sources.length; start += 256) {
        const generations = await model.generate(sources.slice(start, start + 256), {
          maxNewTokens: 40,
          headMask: step.headMask,
        });
        for (const g of generations) outputs.push(tokenizer.decode(g.tokens));
      }
      const score = g2pScore(
        outputs.map((o) => o.split(' ').filter(Boolean)),
        words.map((w) => w.pronunciations),
      );
      scored.push({ ...step, wer: score.wer, per: score.per });
    }
    return scored;
  } finally {
    model.dispose();
  }
}

export const PRUNE_START = '<!-- zoo:prune:start -->';
export const PRUNE_END = '<!-- zoo:prune:end -->';

/** The g2p card's pruning block, markers included. */
export function g2pPruningBlock(
  steps: readonly G2pPruningStep[],
  words: number,
  command: string,
  backend: string,
): string {
  const total = Object.values(steps[0].headMask).reduce((n, gains) => n + gains.length, 0);
  return [
    PRUNE_START,
    `Reproduce with \`${command} --write\` (${backend}).`,
    '',
    `**Head pruning** on the first ${words} dev words, greedy: the head whose removal raises the teacher-forced`,
    'cross-entropy least goes next; WER and PER from greedy decoding with the heads removed. The shipped weights',
    'are a refit that trained on the dev words too, so the levels are optimistic; the shape is what the curve',
    'shows. Test has not been read for a pruned model.',
    '',
    '| heads pruned | fraction | cross-entropy | WER | PER | last pruned |',
    '|---|---|---|---|---|---|',
    ...steps.map(
      (s, k) =>
        `| ${k} | ${(k / total).toFixed(3)} | ${s.loss.toFixed(4)} | ${(100 * s.wer).toFixed(2)}% | ${(100 * s.per).toFixed(2)}% | ${
          k === 0 ? '—' : `${s.pruned[k - 1][0]} head ${s.pruned[k - 1][1]}`
        } |`,
    ),
    PRUNE_END,
  ].join('\n');
}
