import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Plugin } from 'vite';
import { MODELS_PATH, SERVED_FILES, WASM_PATH } from '../load/manifest.js';
import { type ModelsMode, modelsMode, resolveModels } from './model-folders.js';
import { type StaticFile, staticFiles } from './static-files.js';

const require = createRequire(import.meta.url);

/**
 * The demo's static files: `models/<id>/{config.json, model.safetensors, tokenizer.json, samples.json}`,
 * `models/manifest.json` and `wasm/*.wasm` (tfjs-wasm's binaries, loaded through setWasmPaths).
 */
export function demoAssets(options: { mode?: ModelsMode; repoRoot: string }): Plugin {
  const plugin = staticFiles('attnkit-demo-assets', () => {
    const resolved = resolveModels(options.mode ?? modelsMode(), options.repoRoot);
    for (const warning of resolved.warnings) console.warn(`[attnkit-demo] ${warning}`);
    const files: StaticFile[] = [
      { url: `${MODELS_PATH}manifest.json`, content: JSON.stringify(resolved.manifest, null, 1) },
    ];
    for (const folder of resolved.folders) {
      for (const file of SERVED_FILES) {
        const url = `${MODELS_PATH}${folder.id}/${file}`;
        const content = folder.read(file);
        files.push(content !== null ? { url, content } : { url, path: join(folder.dir, file) });
      }
    }
    const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    for (const name of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm')))
      files.push({ url: `${WASM_PATH}${name}`, path: join(wasmDir, name) });
    return files;
  });
  return plugin;
}

export function repoRootFrom(configDir: string): string {
  return resolve(configDir, '../..');
}
