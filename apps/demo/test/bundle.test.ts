import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { E2E_MODELS } from './expectations.js';
import { DIST, ensureBuilt } from './helpers/built-app.js';

/**
 * What the build ships, read from its source maps (each chunk lists the modules it holds): the training
 * data and the zoo's training code never reach it, and the page's entry chunk holds no backend package:
 * each backend, and the conformance suite, is a chunk of its own, downloaded when it is used.
 */
interface Chunk {
  readonly file: string;
  readonly sources: readonly string[];
}

let chunks: Chunk[];
let entry: Chunk;

beforeAll(() => {
  ensureBuilt(E2E_MODELS);
  const assets = join(DIST, 'assets');
  chunks = readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((file) => ({
      file,
      sources: (JSON.parse(readFileSync(join(assets, `${file}.map`), 'utf8')) as { sources: string[] }).sources,
    }));
  const entryFile = /<script type="module"[^>]*src="\.\/assets\/([^"]+)"/.exec(
    readFileSync(join(DIST, 'index.html'), 'utf8'),
  )?.[1];
  entry = chunks.find((c) => c.file === entryFile)!;
});

describe('the built bundle', () => {
  it('has an entry chunk with the app, the models and core', () => {
    expect(entry).toBeDefined();
    expect(entry.sources.some((s) => s.includes('packages/models/'))).toBe(true);
    expect(entry.sources.some((s) => s.includes('packages/core/'))).toBe(true);
    expect(entry.sources.some((s) => s.includes('src/main.ts'))).toBe(true);
  });

  it('never contains the training data or the zoo', () => {
    const all = chunks.flatMap((c) => c.sources);
    expect(all.length).toBeGreaterThan(100);
    expect(all.filter((s) => /@stdlib|datasets-|n2words|mailparser|packages\/zoo\//.test(s))).toEqual([]);
  });

  it('keeps every backend package and the conformance suite out of the entry chunk', () => {
    // Only the packages' registry entries (dist/entry.js: names, feature probes, a dynamic import) are eager.
    const registryEntry = /packages\/backend-[a-z]+\/dist\/entry\.js$/;
    const eager = entry.sources.filter((s) => registryEntry.test(s));
    expect(eager).toHaveLength(4);
    const lazy = /packages\/backend-|packages\/conformance\/|@tensorflow|gpu\.js/;
    expect(entry.sources.filter((s) => lazy.test(s) && !registryEntry.test(s))).toEqual([]);
    // Workspace packages by folder: 'backend-wasm' alone would also match tfjs-backend-wasm.
    const packages = ['backend-webgpu', 'backend-gpujs', 'backend-tfjs', 'backend-wasm', 'conformance'].map(
      (name) => `packages/${name}/`,
    );
    for (const name of [...packages, 'tfjs-backend-webgl', 'tfjs-backend-wasm']) {
      expect(
        chunks.some((c) => c.file !== entry.file && c.sources.some((s) => s.includes(name))),
        name,
      ).toBe(true);
    }
  });

  it('serves the weights as files instead of bundling them', () => {
    const safetensors = readdirSync(join(DIST, 'models'), { recursive: true }).filter((f) =>
      String(f).endsWith('model.safetensors'),
    );
    expect(safetensors).toHaveLength(3);
    expect(chunks.flatMap((c) => c.sources).filter((s) => s.endsWith('.safetensors'))).toEqual([]);
  });
});
