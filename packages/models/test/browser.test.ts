import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInBrowser } from '@attnkit/browser-runner';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { pipeline } from '../src/index.js';
import {
  type BrowserBackendReport,
  CLASSIFICATIONS,
  FIXTURE_PREFIX,
  MAX_NEW_TOKENS,
  type ModelOutputs,
  TRANSLATIONS,
  type TranslatorName,
} from './browser/cases.js';
import { expectAllClose } from './helpers/close.js';
import { FIXTURES } from './helpers/fixtures.js';

/** The same cases on the reference backend in Node, loaded from paths. */
async function referenceOutputs(): Promise<ModelOutputs> {
  const translations = {} as ModelOutputs['translations'];
  for (const fixture of Object.keys(TRANSLATIONS) as TranslatorName[]) {
    const translator = await pipeline('translation', join(FIXTURES, fixture), { device: 'reference' });
    const texts = [...TRANSLATIONS[fixture]];
    const greedy = await translator.translate(texts, { maxNewTokens: MAX_NEW_TOKENS });
    const beam = await translator.translate(texts, { maxNewTokens: MAX_NEW_TOKENS, numBeams: 2 });
    translations[fixture] = { greedy: greedy.map((o) => o.translationText), beam: beam.map((o) => o.translationText) };
    translator.dispose();
  }
  const classifier = await pipeline('text-classification', join(FIXTURES, 'classifier-tiny'), { device: 'reference' });
  const classifications = await classifier.classify(CLASSIFICATIONS, { topK: 3 });
  classifier.dispose();
  return { translations, classifications };
}

describe('in headless Chromium (WebGPU and gpu.js WebGL2 on SwiftShader)', () => {
  let reports: BrowserBackendReport[];
  let want: ModelOutputs;
  beforeAll(async () => {
    want = await referenceOutputs();
    reports = await runInBrowser<BrowserBackendReport[]>({
      entry: fileURLToPath(new URL('./browser/entry.ts', import.meta.url)),
      staticDirs: { [FIXTURE_PREFIX]: FIXTURES },
      timeoutMs: 540_000,
    });
    for (const r of reports)
      console.info(`[models browser] ${r.backend} on ${r.runsOn}: ${(r.ms / 1000).toFixed(1)} s`);
  }, 600_000);

  it.each(['webgpu', 'gpujs-webgl'])(
    '%s: pipelines loaded from a URL and from ArrayBuffers give the reference outputs',
    (name) => {
      const got = reports.find((r) => r.backend === name)!;
      expect(got.loadedFrom).toEqual({
        'translator-tiny': 'url',
        'translator-alibi': 'array-buffers',
        'classifier-tiny': 'url',
      });
      expect(got.translations).toEqual(want.translations);
      got.classifications.forEach((labels, i) => {
        expect(labels.map((l) => l.label)).toEqual(want.classifications[i].map((l) => l.label));
        expectAllClose(
          labels.map((l) => l.score),
          want.classifications[i].map((l) => l.score),
        );
      });
      expect(got.liveTensorsAfterDispose).toBe(0);
    },
  );
});

it('the package bundles for a browser without any Node built-in', async () => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
  expect(imports.filter((path) => /^node:|^(fs|path|url|module|os|crypto)(\/|$)/.test(path))).toEqual([]);
  // The Node-only reads stay behind a dynamic import whose specifier esbuild cannot resolve.
  expect(result.outputFiles[0].text).not.toMatch(/from\s*["']node:/);
});
