import type { ModelFiles } from '@attnkit/models';
import { fetchWithProgress } from './fetch-progress.js';
import { type Manifest, MODELS_PATH, type ModelId, type ServedFile } from './manifest.js';

/**
 * The served model folders, fetched once per page: the bytes stay in memory so that switching backends
 * re-uploads the weights without downloading them again. Progress is reported over a model's three
 * files together, in bytes.
 */
export interface LoadProgress {
  readonly model: ModelId;
  readonly file: ServedFile;
  readonly loaded: number;
  readonly total: number;
}

const MODEL_FILES = ['config.json', 'tokenizer.json', 'model.safetensors'] as const;

export class ModelStore {
  private manifestPromise: Promise<Manifest> | null = null;
  private readonly files = new Map<ModelId, Promise<ModelFiles>>();
  private readonly samples = new Map<ModelId, Promise<unknown[]>>();
  private readonly base = new URL(MODELS_PATH, document.baseURI);

  manifest(): Promise<Manifest> {
    this.manifestPromise ??= (async () => {
      const buffer = await fetchWithProgress(new URL('manifest.json', this.base), 0, () => undefined);
      return JSON.parse(new TextDecoder().decode(buffer)) as Manifest;
    })();
    this.manifestPromise.catch(() => (this.manifestPromise = null));
    return this.manifestPromise;
  }

  /** The three model files as ArrayBuffers, ready for `pipeline(task, files, { backend })`. */
  modelFiles(id: ModelId, onProgress: (p: LoadProgress) => void): Promise<ModelFiles> {
    let promise = this.files.get(id);
    if (!promise) {
      const made = this.fetchModel(id, onProgress);
      this.files.set(id, made);
      made.catch(() => this.files.get(id) === made && this.files.delete(id));
      promise = made;
    }
    return promise;
  }

  samplesOf<T>(id: ModelId): Promise<T[]> {
    let promise = this.samples.get(id);
    if (!promise) {
      promise = (async () => {
        const buffer = await fetchWithProgress(new URL(`${id}/samples.json`, this.base), 0, () => undefined);
        const parsed: unknown = JSON.parse(new TextDecoder().decode(buffer));
        if (!Array.isArray(parsed)) throw new Error(`${id}/samples.json is not a JSON array`);
        return parsed;
      })();
      const made = promise;
      this.samples.set(id, made);
      made.catch(() => this.samples.get(id) === made && this.samples.delete(id));
    }
    return promise as Promise<T[]>;
  }

  private async fetchModel(id: ModelId, onProgress: (p: LoadProgress) => void): Promise<ModelFiles> {
    const { bytes } = (await this.manifest()).models[id];
    const loaded = Object.fromEntries(MODEL_FILES.map((f) => [f, 0])) as Record<(typeof MODEL_FILES)[number], number>;
    const totals = Object.fromEntries(MODEL_FILES.map((f) => [f, bytes[f]])) as Record<
      (typeof MODEL_FILES)[number],
      number
    >;
    const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    const buffers = await Promise.all(
      MODEL_FILES.map((file) =>
        fetchWithProgress(new URL(`${id}/${file}`, this.base), bytes[file], (got, total) => {
          loaded[file] = got;
          totals[file] = total;
          onProgress({ model: id, file, loaded: sum(loaded), total: sum(totals) });
        }),
      ),
    );
    return Object.fromEntries(MODEL_FILES.map((file, i) => [file, buffers[i]])) as unknown as ModelFiles;
  }
}
