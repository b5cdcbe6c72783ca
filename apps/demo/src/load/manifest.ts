/**
 * `models/manifest.json`, written by the build (src/build/model-folders.ts) next to the model folders it
 * serves: where each model came from and the size of each file, so the page can show progress even when
 * a server sends no Content-Length, and can say plainly when it runs on development fixtures.
 */
/** Where the page finds the served files: relative to the page, so a build works under any base path. */
export const MODELS_PATH = 'models/';
export const WASM_PATH = 'wasm/';

export const MODEL_IDS = ['numbers-en-fr', 'g2p-cmudict', 'spam-classifier'] as const;
export type ModelId = (typeof MODEL_IDS)[number];

export const SERVED_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'samples.json'] as const;
export type ServedFile = (typeof SERVED_FILES)[number];

/** 'zoo': the trained model of packages/zoo. 'fixture': random weights from packages/models/fixtures (development only). */
export type ModelOrigin = 'zoo' | 'fixture';

export interface ManifestEntry {
  readonly origin: ModelOrigin;
  /** The folder it was copied from, relative to the repository root. */
  readonly from: string;
  readonly bytes: Readonly<Record<ServedFile, number>>;
  /** The model card's head-pruning curve, where the zoo measured one (the spam classifier). */
  readonly pruning?: PruningCurve;
}

/**
 * A greedy head-pruning curve measured on a model's dev split (the zoo's `explain.json`, `pnpm zoo:explain`):
 * step k has k heads pruned, the k − 1 of the step before and one more. What the demo's pruning control offers.
 */
export interface PruningCurve {
  readonly layers: number;
  readonly heads: number;
  /** Dev examples the accuracies are over. */
  readonly devExamples: number;
  readonly steps: readonly {
    /** [layer, head] pairs pruned, in the order they went. */
    readonly pruned: readonly (readonly [number, number])[];
    readonly accuracy: number;
  }[];
  /** Heads pruned in the configuration the card recommends. */
  readonly recommended?: number;
  /** That configuration's accuracy on test, read once for the card (dev chose it). */
  readonly recommendedTestAccuracy?: number;
}

/** The [layer][head] gains of a step: 0 for a pruned head. */
export function headMaskOf(curve: PruningCurve, step: number): number[][] {
  const mask = Array.from({ length: curve.layers }, () => new Array<number>(curve.heads).fill(1));
  for (const [layer, head] of curve.steps[step]?.pruned ?? []) mask[layer][head] = 0;
  return mask;
}

export interface Manifest {
  readonly models: Readonly<Record<ModelId, ManifestEntry>>;
}

export interface TranslationSample {
  readonly source: string;
  readonly target: string;
}

export interface EmailSample {
  readonly text: string;
  readonly label: string;
}
