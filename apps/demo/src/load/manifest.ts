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
