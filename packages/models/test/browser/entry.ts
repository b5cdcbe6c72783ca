import { createBackend as createGpujsBackend } from '@attnkit/backend-gpujs';
import { createBackend as createWebGpuBackend } from '@attnkit/backend-webgpu';
import type { Backend } from '@attnkit/core';
import { type ModelFiles, type ModelSource, pipeline } from '../../src/index.js';
import {
  type BrowserBackendReport,
  CLASSIFICATIONS,
  FIXTURE_PREFIX,
  MAX_NEW_TOKENS,
  TRANSLATIONS,
  type TranslatorName,
} from './cases.js';

/**
 * Runs in headless Chromium: the fixtures on WebGPU (navigator.gpu) and on gpu.js (WebGL2). translator-tiny
 * and the classifier are fetched from the test server by URL; translator-alibi is fetched by hand and handed
 * over as a record of ArrayBuffers, as an app holding the files would.
 */
export default async function run(): Promise<BrowserBackendReport[]> {
  const reports: BrowserBackendReport[] = [];
  for (const [name, create] of [
    ['webgpu', createWebGpuBackend],
    ['gpujs-webgl', createGpujsBackend],
  ] as const) {
    const backend: Backend = await create();
    try {
      reports.push(await runOn(name, backend));
    } finally {
      backend.dispose();
    }
  }
  return reports;
}

const urlOf = (fixture: string) => new URL(`${FIXTURE_PREFIX}${fixture}/`, location.href).toString();

async function asArrayBuffers(fixture: string): Promise<ModelFiles> {
  const files = await Promise.all(
    (['config.json', 'model.safetensors', 'tokenizer.json'] as const).map(async (file) => {
      const response = await fetch(new URL(file, urlOf(fixture)));
      if (!response.ok) throw new Error(`${fixture}/${file}: HTTP ${response.status}`);
      return [file, await response.arrayBuffer()] as const;
    }),
  );
  return Object.fromEntries(files) as unknown as ModelFiles;
}

async function runOn(name: string, backend: Backend): Promise<BrowserBackendReport> {
  const started = performance.now();
  const loadedFrom = {
    'translator-tiny': 'url',
    'translator-alibi': 'array-buffers',
    'classifier-tiny': 'url',
  } as const;
  const sourceOf = async (fixture: keyof typeof loadedFrom): Promise<ModelSource> =>
    loadedFrom[fixture] === 'url' ? urlOf(fixture) : asArrayBuffers(fixture);

  const translations = {} as BrowserBackendReport['translations'];
  for (const fixture of Object.keys(TRANSLATIONS) as TranslatorName[]) {
    const translator = await pipeline('translation', await sourceOf(fixture), { backend });
    try {
      const texts = [...TRANSLATIONS[fixture]];
      const greedy = await translator.translate(texts, { maxNewTokens: MAX_NEW_TOKENS });
      const beam = await translator.translate(texts, { maxNewTokens: MAX_NEW_TOKENS, numBeams: 2 });
      translations[fixture] = {
        greedy: greedy.map((o) => o.translationText),
        beam: beam.map((o) => o.translationText),
      };
    } finally {
      translator.dispose();
    }
  }
  const classifier = await pipeline('text-classification', await sourceOf('classifier-tiny'), { backend });
  let classifications: BrowserBackendReport['classifications'];
  try {
    classifications = await classifier.classify(CLASSIFICATIONS, { topK: 3 });
  } finally {
    classifier.dispose();
  }
  return {
    backend: name,
    runsOn: backend.runsOn.description,
    loadedFrom,
    translations,
    classifications,
    liveTensorsAfterDispose: backend.kernels.memory().liveTensors,
    ms: performance.now() - started,
  };
}
