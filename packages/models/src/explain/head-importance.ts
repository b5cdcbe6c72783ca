import { AttnkitError } from '@attnkit/core';
import type { TextClassifier } from '../classifier.js';

/**
 * Notation: L layers · H heads · N labelled inputs · m [L][H] head mask (1 keeps a head, 0 removes it).
 *
 *   loss(m)      mean over the inputs of −log p(true label), with the heads of m;
 *   accuracy(m)  share of inputs whose most probable label is the true one;
 *   importance   of head (l, h) by masking: loss(m with (l, h) = 0) − loss(m), as in Michel, Levy & Neubig
 *                (2019), section 3, but measured by removal rather than by the gradient; it runs on every
 *                backend (the gradient form needs one that carries gradients).
 * Greedy pruning removes, one at a time, the head whose removal raises the loss least, re-measuring the
 * remaining heads after each removal: L·H·(L·H + 1)/2 evaluations, fine for the zoo's small models.
 */
export interface HeadScore {
  readonly loss: number;
  readonly accuracy: number;
}

export interface HeadImportance {
  readonly baseline: HeadScore;
  /** [L][H] loss increase when that head alone is removed. */
  readonly importance: number[][];
  /** [L][H] accuracy with that head alone removed. */
  readonly accuracy: number[][];
}

export interface PruningStep extends HeadScore {
  /** Heads removed so far, in order, as [layer, head]. */
  readonly pruned: readonly (readonly [number, number])[];
  /** The head mask of this step. */
  readonly headMask: number[][];
}

export async function scoreHeads(
  model: TextClassifier,
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  headMask: readonly (readonly number[])[],
  batchSize = 32,
): Promise<HeadScore> {
  if (rows.length === 0 || rows.length !== labels.length) {
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `scoreHeads: rows and labels must be non-empty and of one length, got ${rows.length} and ${labels.length}`,
      { argument: 'labels', given: String(labels.length) },
    );
  }
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < rows.length; start += batchSize) {
    const outputs = await model.classify(rows.slice(start, start + batchSize), { headMask });
    outputs.forEach((out, i) => {
      const label = labels[start + i];
      loss -= Math.log(Math.max(out.probabilities[label], Number.MIN_VALUE));
      if (out.probabilities.indexOf(Math.max(...out.probabilities)) === label) correct++;
    });
  }
  return { loss: loss / rows.length, accuracy: correct / rows.length };
}

export function fullHeadMask(model: TextClassifier): number[][] {
  return model.encoder.layers.map((layer) => new Array<number>(layer.selfAttention.numHeads).fill(1));
}

export async function headImportanceByMasking(
  model: TextClassifier,
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  base: readonly (readonly number[])[] = fullHeadMask(model),
): Promise<HeadImportance> {
  const baseline = await scoreHeads(model, rows, labels, base);
  const importance: number[][] = [];
  const accuracy: number[][] = [];
  for (const [l, layer] of base.entries()) {
    importance.push([]);
    accuracy.push([]);
    for (const h of layer.keys()) {
      if (layer[h] === 0) {
        importance[l].push(0);
        accuracy[l].push(baseline.accuracy);
        continue;
      }
      const score = await scoreHeads(model, rows, labels, without(base, l, h));
      importance[l].push(score.loss - baseline.loss);
      accuracy[l].push(score.accuracy);
    }
  }
  return { baseline, importance, accuracy };
}

/** Removes heads one at a time, the least harmful first, until `keep` remain (default: one). */
export async function greedyPruning(
  model: TextClassifier,
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  { keep = 1 }: { keep?: number } = {},
): Promise<PruningStep[]> {
  let mask = fullHeadMask(model);
  const pruned: [number, number][] = [];
  const steps: PruningStep[] = [{ ...(await scoreHeads(model, rows, labels, mask)), pruned: [], headMask: mask }];
  const total = mask.flat().length;
  while (total - pruned.length > keep) {
    const { importance } = await headImportanceByMasking(model, rows, labels, mask);
    let best: [number, number] | null = null;
    for (const [l, layer] of mask.entries())
      for (const h of layer.keys())
        if (layer[h] === 1 && (!best || importance[l][h] < importance[best[0]][best[1]])) best = [l, h];
    if (!best) break;
    mask = without(mask, ...best);
    pruned.push(best);
    steps.push({ ...(await scoreHeads(model, rows, labels, mask)), pruned: [...pruned], headMask: mask });
  }
  return steps;
}

function without(mask: readonly (readonly number[])[], layer: number, head: number): number[][] {
  return mask.map((row, l) => row.map((x, h) => (l === layer && h === head ? 0 : x)));
}

/** One step of greedy pruning by attention module: the heads removed so far, their mask, and the loss. */
export interface ModulePruningStep {
  /** [module, head] in the order they were removed. */
  readonly pruned: [string, number][];
  readonly headMask: Record<string, number[]>;
  readonly loss: number;
}

/**
 * Greedy pruning for any model whose heads are named by attention module (a translator's encoder, decoder
 * self- and cross-attention): at each step, every remaining head is masked in turn, and the one whose removal
 * gives the lowest `loss` goes (Michel et al. 2019 rank by importance once; re-ranking after every removal
 * follows the interactions between heads). `heads` gives each module's head count; `loss` scores a mask.
 * Costs Σ remaining evaluations: for 24 heads, 299.
 */
export async function greedyModulePruning(
  heads: Readonly<Record<string, number>>,
  loss: (mask: Record<string, number[]>) => Promise<number>,
  { keep = 1 }: { keep?: number } = {},
): Promise<ModulePruningStep[]> {
  let mask: Record<string, number[]> = Object.fromEntries(
    Object.entries(heads).map(([module, n]) => [module, new Array<number>(n).fill(1)]),
  );
  const total = Object.values(heads).reduce((s, n) => s + n, 0);
  const pruned: [string, number][] = [];
  const steps: ModulePruningStep[] = [{ pruned: [], headMask: mask, loss: await loss(mask) }];
  while (total - pruned.length > keep) {
    let best: { module: string; head: number; loss: number } | null = null;
    for (const [module, gains] of Object.entries(mask))
      for (const [head, gain] of gains.entries()) {
        if (gain === 0 || gains.filter((g) => g !== 0).length === 1) continue;
        const value = await loss(withoutHead(mask, module, head));
        if (!best || value < best.loss) best = { module, head, loss: value };
      }
    if (!best) break;
    mask = withoutHead(mask, best.module, best.head);
    pruned.push([best.module, best.head]);
    steps.push({ pruned: [...pruned], headMask: mask, loss: best.loss });
  }
  return steps;
}

function withoutHead(mask: Record<string, number[]>, module: string, head: number): Record<string, number[]> {
  return { ...mask, [module]: mask[module].map((g, h) => (h === head ? 0 : g)) };
}
