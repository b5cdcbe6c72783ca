import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { demoAssets, repoRootFrom } from './src/build/demo-assets.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Chunks named after the package most of their modules come from, an attnkit package first
 * (`backend-gpujs-…js`, `tensorflow-tfjs-backend-webgl-…js`): the build's file list says what a visitor
 * downloads for which backend.
 */
function chunkLabel(moduleIds: readonly string[], fallback: string): string {
  const votes = new Map<string, number>();
  for (const id of moduleIds) {
    const path = id.replace(/^.*\/node_modules\/\.pnpm\/[^/]+/, '');
    const workspace = /\/(?:packages|apps)\/([^/]+)\//.exec(path)?.[1];
    const name = workspace ?? /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
    // Workspace packages outvote any number of library modules.
    if (name) votes.set(name, (votes.get(name) ?? 0) + (workspace ? 1e6 : 1));
  }
  const best = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? fallback;
  return (
    best
      .replace(/^@/, '')
      .replace(/[^a-zA-Z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'chunk'
  );
}

/**
 * Both servers make the page cross-origin isolated: only such a page gets SharedArrayBuffer, which the worker
 * threads of backend-wasm need; without it that backend runs on one thread. The page loads nothing from another
 * origin, so require-corp blocks nothing. A static host serving dist/ should send the same two headers.
 */
const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Relative asset URLs: the built folder works from any path (a sub-folder of a static host included).
  base: './',
  plugins: [demoAssets({ repoRoot: repoRootFrom(here) })],
  // gpu.js names its own classes in its error messages (`"run" not defined on WebGL2Kernel`); keeping the
  // names keeps those messages readable in the error panel. (backend-gpujs compares classes by identity.)
  esbuild: { keepNames: true },
  build: {
    target: 'es2022',
    sourcemap: true,
    // tfjs-core and gpu.js are large single modules, each loaded only when its backend is picked.
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: { chunkFileNames: (chunk) => `assets/${chunkLabel(chunk.moduleIds, chunk.name)}-[hash].js` },
    },
  },
  preview: { host: '127.0.0.1', headers: CROSS_ORIGIN_ISOLATION },
  server: { host: '127.0.0.1', headers: CROSS_ORIGIN_ISOLATION },
});
