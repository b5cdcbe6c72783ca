import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { type Backend, createDevice } from '@attnkit/core';
import { type ClassifierConfig, loadClassifier, type PruningStep, parseConfig, pruneHeads } from '@attnkit/models';
import type { Email } from '../data/spam.js';
import { loadHost } from '../train/checkpoint.js';
import { modelFiles, writeModelFolder } from '../train/export.js';
import { UNK_ID } from './classify.js';

/**
 * The pruned spam model the card recommends, from the greedy pruning curve on dev (explain-spam.ts):
 * the step with the most heads pruned whose dev accuracy is at most one mail below the full model's, among the
 * steps that leave every layer a head (pruneHeads keeps one per attention module: a saved model has no empty
 * attention). The rule is fixed before the curve is seen; test is read once, for the step it picks. The weights
 * are pruned for real (pruneHeads): a smaller folder, not a head mask.
 */
export function recommendedStep(steps: readonly PruningStep[], devMails: number): PruningStep {
  const floor = steps[0].accuracy - 1 / devMails - 1e-12;
  const savable = (step: PruningStep) => step.headMask.every((layer) => layer.some((gain) => gain !== 0));
  let best = steps[0];
  for (const step of steps)
    if (savable(step) && step.accuracy >= floor && step.pruned.length > best.pruned.length) best = step;
  return best;
}

/** The heads of a pruning step as pruneHeads takes them: attention module → head indices. */
export function prunedModules(step: PrunedHeads): Record<string, number[]> {
  const modules: Record<string, number[]> = {};
  for (const [layer, head] of step.pruned) (modules[`encoder.layers.${layer}.self_attn`] ??= []).push(head);
  for (const list of Object.values(modules)) list.sort((a, b) => a - b);
  return modules;
}

/** What a pruned configuration is, without its scores: the heads removed and the mask that removes them. */
export type PrunedHeads = Pick<PruningStep, 'pruned' | 'headMask'>;

/** The configuration of these [layer, head] pairs in a model of `layers` × `heads`. */
export function prunedHeadsOf(
  pruned: readonly (readonly [number, number])[],
  layers: number,
  heads: number,
): PrunedHeads {
  const headMask = Array.from({ length: layers }, () => new Array<number>(heads).fill(1));
  for (const [layer, head] of pruned) headMask[layer][head] = 0;
  return { pruned, headMask };
}

/** Writes the folder's model with `step`'s heads removed from the weights to `outDir`. */
export async function writePrunedModel(folder: string, step: PrunedHeads, outDir: string): Promise<void> {
  const config = parseConfig(JSON.parse(await readFile(join(folder, 'config.json'), 'utf8')), 'attnkit-classifier');
  const tokenizer = JSON.parse(await readFile(join(folder, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  const weights = await loadHost(join(folder, 'model.safetensors'));
  const pruned = pruneHeads(config, weights, prunedModules(step));
  await writeModelFolder(outDir, modelFiles(pruned.config as ClassifierConfig, tokenizer, pruned.weights));
}

export interface PruningSpeed {
  readonly mails: number;
  readonly backend: string;
  readonly load: string;
  /** Interleaved rounds the medians are over (5 in records made before it was recorded). */
  readonly rounds?: number;
  /** Median ms to classify all mails (batches of 16), over `rounds` rounds, interleaved. */
  readonly fullMs: number;
  readonly maskedMs: number;
  readonly prunedMs: number;
}

/**
 * Time to classify the mails with the full model, the full model with the step's head mask, and the pruned
 * folder, on one backend, rounds interleaved so that a change of load hits all three alike. A timing: run it on
 * an idle machine; the load is recorded.
 */
export async function pruningSpeed(
  backend: Backend,
  folder: string,
  prunedFolder: string,
  step: PrunedHeads,
  mails: readonly Email[],
  rounds = 5,
): Promise<PruningSpeed> {
  const device = createDevice(backend);
  const full = await loadClassifier(device, folder);
  const pruned = await loadClassifier(device, prunedFolder);
  try {
    const rows = mails.map((m) => {
      const ids = full.tokenizer.encode(m.text);
      return ids.length > 0 ? ids : [UNK_ID];
    });
    const time = async (run: (batch: number[][]) => Promise<unknown>) => {
      const started = performance.now();
      for (let i = 0; i < rows.length; i += 16) await run(rows.slice(i, i + 16));
      return performance.now() - started;
    };
    const runs = {
      full: (b: number[][]) => full.model.classify(b),
      masked: (b: number[][]) => full.model.classify(b, { headMask: step.headMask }),
      pruned: (b: number[][]) => pruned.model.classify(b),
    };
    const samples: Record<keyof typeof runs, number[]> = { full: [], masked: [], pruned: [] };
    for (const run of Object.values(runs)) await time(run);
    for (let r = 0; r < rounds; r++)
      for (const [name, run] of Object.entries(runs)) samples[name as keyof typeof runs].push(await time(run));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return {
      mails: rows.length,
      backend: backend.runsOn.description,
      load: `${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} on ${cpus().length} cores`,
      rounds,
      fullMs: median(samples.full),
      maskedMs: median(samples.masked),
      prunedMs: median(samples.pruned),
    };
  } finally {
    full.model.dispose();
    pruned.model.dispose();
  }
}
