import { join } from 'node:path';
import {
  type ClassificationOutput,
  pipeline,
  type TextClassificationPipeline,
  type TranslationPipeline,
} from '@attnkit/models';
import type { ModelId } from '../../src/load/manifest.js';
import { DIST } from './built-app.js';

/**
 * The same pipelines on the float64 reference backend in Node, loaded from the files the built page
 * serves (dist/models/<id>/), so the browser and the reference read identical bytes. Each model is loaded
 * once; `dispose()` releases them all.
 */
export class ReferenceModels {
  private readonly translators = new Map<ModelId, Promise<TranslationPipeline>>();
  private readonly classifiers = new Map<ModelId, Promise<TextClassificationPipeline>>();

  async translate(id: ModelId, sources: readonly string[]): Promise<string[]> {
    let translator = this.translators.get(id);
    if (!translator)
      this.translators.set(
        id,
        (translator = pipeline('translation', join(DIST, 'models', id), { device: 'reference' })),
      );
    return (await (await translator).translate([...sources])).map((o) => o.translationText);
  }

  async classify(id: ModelId, text: string): Promise<ClassificationOutput[]> {
    let classifier = this.classifiers.get(id);
    if (!classifier)
      this.classifiers.set(
        id,
        (classifier = pipeline('text-classification', join(DIST, 'models', id), { device: 'reference' })),
      );
    const loaded = await classifier;
    return loaded.classify(text, { topK: loaded.model.labels.length });
  }

  async dispose(): Promise<void> {
    const all = [...this.translators.values(), ...this.classifiers.values()];
    for (const p of await Promise.allSettled(all)) if (p.status === 'fulfilled') p.value.dispose();
  }
}
