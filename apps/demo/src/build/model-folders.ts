import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import {
  type Manifest,
  type ManifestEntry,
  MODEL_IDS,
  type ModelId,
  type ModelOrigin,
  type PruningCurve,
  SERVED_FILES,
  type ServedFile,
} from '../load/manifest.js';

/**
 * Where each model the demo serves comes from.
 *
 *   zoo       packages/zoo-models/models/<id>/ (config.json, model.safetensors, tokenizer.json, samples.json): the
 *             trained models. What the demo is for, and what the end-to-end test requires.
 *   fixtures  packages/models/fixtures/<fixture>/ with a few generated samples: random weights, for working on
 *             the page before the zoo has trained anything. The page shows a banner when it runs on them.
 *   auto      (default) the zoo folder when it is complete, else the fixture, with a warning at build time.
 *
 * Chosen with ATTNKIT_DEMO_MODELS=zoo|fixtures|auto.
 */
export type ModelsMode = 'zoo' | 'fixtures' | 'auto';

/** Fixtures close in kind to each zoo model: word-level numbers, character-level letters, a word-level classifier. */
const FIXTURE_FOR: Record<ModelId, string> = {
  'numbers-en-fr': 'translator-alibi',
  'g2p-cmudict': 'translator-tiny',
  'spam-classifier': 'classifier-tiny',
};

/** Inputs the fixtures' tokenizers know. Their outputs are gibberish, so there is no target to show. */
const FIXTURE_SAMPLES: Record<ModelId, unknown[]> = {
  'numbers-en-fr': ['one two', 'seven', 'four five six'].map((source) => ({ source, target: '' })),
  'g2p-cmudict': ['hello', 'world', 'attention'].map((source) => ({ source, target: '' })),
  'spam-classifier': [
    { text: 'the movie was very good', label: 'positive' },
    { text: 'the plot was awful', label: 'negative' },
  ],
};

export interface ModelFolder {
  readonly id: ModelId;
  readonly origin: ModelOrigin;
  readonly dir: string;
  /** Files read from `dir`, or generated (the fixtures' samples.json). */
  read(file: ServedFile): string | null;
}

export interface ResolvedModels {
  readonly folders: readonly ModelFolder[];
  readonly manifest: Manifest;
  /** For the build log: fixtures used in place of zoo models. */
  readonly warnings: readonly string[];
}

const require = createRequire(import.meta.url);

/** A workspace package's folder (the demo depends on both, so they resolve from here). */
export function packageDir(name: '@attnkit/zoo-models' | '@attnkit/models'): string {
  return dirname(require.resolve(`${name}/package.json`));
}

export function zooModelDir(id: ModelId): string {
  return join(packageDir('@attnkit/zoo-models'), 'models', id);
}

function fixtureDir(id: ModelId): string {
  return join(packageDir('@attnkit/models'), 'fixtures', FIXTURE_FOR[id]);
}

export function missingZooFiles(id: ModelId): ServedFile[] {
  return SERVED_FILES.filter((file) => !existsSync(join(zooModelDir(id), file)));
}

export function modelsMode(value = process.env.ATTNKIT_DEMO_MODELS): ModelsMode {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'zoo' || value === 'fixtures') return value;
  throw new Error(`ATTNKIT_DEMO_MODELS must be zoo, fixtures or auto, got ${JSON.stringify(value)}`);
}

export function resolveModels(mode: ModelsMode, repoRoot: string): ResolvedModels {
  const warnings: string[] = [];
  const folders = MODEL_IDS.map((id): ModelFolder => {
    const missing = missingZooFiles(id);
    if (mode === 'zoo' && missing.length > 0) {
      throw new Error(
        `ATTNKIT_DEMO_MODELS=zoo, but ${relative(repoRoot, zooModelDir(id))} lacks ${missing.join(', ')} (train the zoo models first)`,
      );
    }
    if (mode === 'zoo' || (mode === 'auto' && missing.length === 0)) {
      const dir = zooModelDir(id);
      return { id, origin: 'zoo', dir, read: () => null };
    }
    if (mode === 'auto')
      warnings.push(
        `${id}: zoo model missing (${missing.join(', ')}); serving the random-weight fixture ${FIXTURE_FOR[id]} instead`,
      );
    const samples = JSON.stringify(FIXTURE_SAMPLES[id], null, 1);
    return { id, origin: 'fixture', dir: fixtureDir(id), read: (file) => (file === 'samples.json' ? samples : null) };
  });
  const models = Object.fromEntries(
    folders.map((folder): [ModelId, ManifestEntry] => [
      folder.id,
      {
        origin: folder.origin,
        from: relative(repoRoot, folder.dir),
        bytes: Object.fromEntries(SERVED_FILES.map((file) => [file, sizeOf(folder, file)])) as Record<
          ServedFile,
          number
        >,
        ...(folder.origin === 'zoo' && pruningCurveOf(folder.dir)),
      },
    ]),
  ) as Record<ModelId, ManifestEntry>;
  return { folders, manifest: { models }, warnings };
}

/**
 * The pruning curve of a zoo folder's `explain.json` (written by `pnpm zoo:explain --write`), as the manifest
 * carries it; nothing when the folder has none.
 */
export function pruningCurveOf(dir: string): { pruning: PruningCurve } | Record<string, never> {
  const file = join(dir, 'explain.json');
  if (!existsSync(file)) return {};
  const record = JSON.parse(readFileSync(file, 'utf8')) as {
    devMails: number;
    pruning: { pruned: [number, number][]; accuracy: number }[];
    recommended?: { heads: number; test?: { accuracy: number } };
  };
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
    num_layers: number;
    num_heads: number;
  };
  return {
    pruning: {
      layers: config.num_layers,
      heads: config.num_heads,
      devExamples: record.devMails,
      steps: record.pruning.map(({ pruned, accuracy }) => ({ pruned, accuracy })),
      ...(record.recommended && { recommended: record.recommended.heads }),
      ...(record.recommended?.test && { recommendedTestAccuracy: record.recommended.test.accuracy }),
    },
  };
}

function sizeOf(folder: ModelFolder, file: ServedFile): number {
  const generated = folder.read(file);
  return generated !== null ? Buffer.byteLength(generated) : statSync(join(folder.dir, file)).size;
}
