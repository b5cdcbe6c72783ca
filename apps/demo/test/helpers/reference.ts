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
    return (await (await this.translator(id)).translate([...sources])).map((o) => o.translationText);
  }

  /** The source shares of each output token by `method`, each row scaled to sum to 1 (as the view draws them). */
  async explainTranslation(id: ModelId, text: string, method: 'rollout' | 'flow', numBeams = 1): Promise<number[][]> {
    const { explanation } = await (await this.translator(id)).explain(text, { method, numBeams });
    return explanation.tokenScores.map((row) => {
      const total = row.reduce((a, b) => a + b, 0);
      return row.map((x) => (total > 0 ? x / total : 0));
    });
  }

  private translator(id: ModelId): Promise<TranslationPipeline> {
    let translator = this.translators.get(id);
    if (!translator)
      this.translators.set(
        id,
        (translator = pipeline('translation', join(DIST, 'models', id), { device: 'reference' })),
      );
    return translator;
  }

  async classify(
    id: ModelId,
    text: string,
    headMask?: readonly (readonly number[])[],
  ): Promise<ClassificationOutput[]> {
    let classifier = this.classifiers.get(id);
    if (!classifier)
      this.classifiers.set(
        id,
        (classifier = pipeline('text-classification', join(DIST, 'models', id), { device: 'reference' })),
      );
    const loaded = await classifier;
    return loaded.classify(text, { topK: loaded.model.labels.length, ...(headMask && { headMask }) });
  }

  async dispose(): Promise<void> {
    const all = [...this.translators.values(), ...this.classifiers.values()];
    for (const p of await Promise.allSettled(all)) if (p.status === 'fulfilled') p.value.dispose();
  }
}
