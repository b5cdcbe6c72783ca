import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageDir, zooModelDir } from '../../src/build/model-folders.js';
import { type Manifest, MODEL_IDS } from '../../src/load/manifest.js';
import type { E2EModels } from '../expectations.js';

/**
 * The built app for the test: `vite build` runs when there is no build, when it was made from other models
 * than the ones asked for, or when something it was built from is newer (the app's sources, the dist of a
 * workspace package it bundles, a model folder).
 */
export const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const DIST = join(APP_DIR, 'dist');

const BUNDLED_PACKAGES = [
  '@attnkit/core',
  '@attnkit/models',
  '@attnkit/conformance',
  '@attnkit/backend-webgpu',
  '@attnkit/backend-gpujs',
  '@attnkit/backend-tfjs',
  '@attnkit/backend-wasm',
];

const require = createRequire(import.meta.url);

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(join(DIST, 'models', 'manifest.json'), 'utf8')) as Manifest;
}

export function ensureBuilt(models: E2EModels): { built: boolean; why: string } {
  const why = staleness(models);
  if (why === null) return { built: false, why: 'up to date' };
  const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: APP_DIR,
    env: { ...process.env, NODE_ENV: 'production', ATTNKIT_DEMO_MODELS: models === 'zoo' ? 'zoo' : 'fixtures' },
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (result.status !== 0)
    throw new Error(`vite build failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return { built: true, why };
}

function staleness(models: E2EModels): string | null {
  const index = join(DIST, 'index.html');
  if (!existsSync(index) || !existsSync(join(DIST, 'models', 'manifest.json'))) return 'no build yet';
  const wanted = models === 'zoo' ? 'zoo' : 'fixture';
  const origins = Object.values(readManifest().models).map((m) => m.origin);
  if (origins.some((o) => o !== wanted))
    return `the build serves ${origins.join(', ')} models, the test wants ${wanted}`;
  const builtAt = statSync(index).mtimeMs;
  const inputs = [
    join(APP_DIR, 'index.html'),
    join(APP_DIR, 'vite.config.ts'),
    join(APP_DIR, 'package.json'),
    join(APP_DIR, 'src'),
    ...BUNDLED_PACKAGES.map((name) => join(dirname(require.resolve(`${name}/package.json`)), 'dist')),
    ...(models === 'zoo' ? MODEL_IDS.map(zooModelDir) : [join(packageDir('@attnkit/models'), 'fixtures')]),
  ];
  for (const input of inputs) {
    const newer = newestFile(input);
    if (newer && newer.mtimeMs > builtAt) return `${newer.path} is newer than the build`;
  }
  return null;
}

function newestFile(path: string): { path: string; mtimeMs: number } | null {
  if (!existsSync(path)) return null;
  const info = statSync(path);
  if (!info.isDirectory()) return { path, mtimeMs: info.mtimeMs };
  let newest: { path: string; mtimeMs: number } | null = null;
  for (const name of readdirSync(path)) {
    const found = newestFile(join(path, name));
    if (found && (!newest || found.mtimeMs > newest.mtimeMs)) newest = found;
  }
  return newest;
}
