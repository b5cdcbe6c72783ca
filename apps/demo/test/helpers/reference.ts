import { join } from 'node:path';
import { type ClassificationOutput, pipeline } from '@attnkit/models';
import type { ModelId } from '../../src/load/manifest.js';
import { DIST } from './built-app.js';

/**
 * The same pipelines on the float64 reference backend in Node, loaded from the files the built page
 * serves (dist/models/<id>/), so the browser and the reference read identical bytes.
 */
export async function referenceTranslations(id: ModelId, sources: readonly string[]): Promise<string[]> {
  const translator = await pipeline('translation', join(DIST, 'models', id));
  try {
    const outputs = await translator.translate([...sources]);
    return outputs.map((o) => o.translationText);
  } finally {
    translator.dispose();
  }
}

export async function referenceClassifications(id: ModelId, texts: readonly string[]): Promise<ClassificationOutput[][]> {
  const classifier = await pipeline('text-classification', join(DIST, 'models', id));
  try {
    return await classifier.classify([...texts], { topK: classifier.model.labels.length });
  } finally {
    classifier.dispose();
  }
}
