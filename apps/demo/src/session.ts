import type { Backend, BackendEntry } from '@attnkit/core';
import { type ModelFiles, pipeline, type TextClassificationPipeline, type TranslationPipeline } from '@attnkit/models';
import type { ModelId } from './load/manifest.js';
import type { LoadProgress, ModelStore } from './load/model-store.js';

/**
 * The current backend and the pipelines loaded on it. All device work goes through `exclusive`, one task
 * at a time: a translation never races a backend switch or the conformance check. Switching backends
 * disposes every pipeline (and so every weight tensor) before disposing the backend.
 */
export type LoadStage =
  | { readonly stage: 'fetch'; readonly progress: LoadProgress }
  | { readonly stage: 'upload'; readonly model: ModelId };

/** A load queued on a backend that was replaced before it ran: not an error to show. */
export class StaleLoadError extends Error {
  override readonly name = 'StaleLoadError';
}

export class Session {
  private current: { entry: BackendEntry; backend: Backend } | null = null;
  private readonly translators = new Map<ModelId, Promise<TranslationPipeline>>();
  private classifierPipeline: Promise<TextClassificationPipeline> | null = null;
  /** Pipelines made on the current backend. Every load runs inside `exclusive`, so a switch finds them all here. */
  private readonly made = new Set<{ dispose(): void }>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly store: ModelStore) {}

  get backend(): Backend | null {
    return this.current?.backend ?? null;
  }

  get entry(): BackendEntry | null {
    return this.current?.entry ?? null;
  }

  /** Runs `task` after every task queued before it; a failed task does not block the ones after it. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Disposes what runs now, then creates the backend of `entry`. On failure nothing is current. */
  switchTo(entry: BackendEntry): Promise<Backend> {
    return this.exclusive(async () => {
      this.release();
      const backend = await entry.create();
      this.current = { entry, backend };
      return backend;
    });
  }

  translator(id: ModelId, onStage: (s: LoadStage) => void): Promise<TranslationPipeline> {
    let promise = this.translators.get(id);
    if (!promise) {
      promise = this.load(id, onStage, (files, backend) => pipeline('translation', files, { backend }));
      const made = promise;
      this.translators.set(id, made);
      made.catch(() => this.translators.get(id) === made && this.translators.delete(id));
    }
    return promise;
  }

  classifier(id: ModelId, onStage: (s: LoadStage) => void): Promise<TextClassificationPipeline> {
    if (!this.classifierPipeline) {
      const made = this.load(id, onStage, (files, backend) => pipeline('text-classification', files, { backend }));
      this.classifierPipeline = made;
      made.catch(() => {
        if (this.classifierPipeline === made) this.classifierPipeline = null;
      });
    }
    return this.classifierPipeline;
  }

  private async load<P extends { dispose(): void }>(
    id: ModelId,
    onStage: (s: LoadStage) => void,
    make: (files: ModelFiles, backend: Backend) => Promise<P>,
  ): Promise<P> {
    const backend = this.backend;
    if (!backend) throw new Error('no backend is running: pick one above');
    const files = await this.store.modelFiles(id, (progress) => onStage({ stage: 'fetch', progress }));
    return this.exclusive(async () => {
      if (this.backend !== backend) throw new StaleLoadError(`the backend changed while ${id} was loading`);
      onStage({ stage: 'upload', model: id });
      const made = await make(files, backend);
      this.made.add(made);
      return made;
    });
  }

  /** Inside `exclusive`: loads queued behind it will find another backend and throw StaleLoadError. */
  private release(): void {
    this.translators.clear();
    this.classifierPipeline = null;
    for (const p of this.made) p.dispose();
    this.made.clear();
    const backend = this.current?.backend;
    this.current = null;
    backend?.dispose();
  }
}
