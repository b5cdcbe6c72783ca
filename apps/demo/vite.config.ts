import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { demoAssets, repoRootFrom } from './src/build/demo-assets.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Chunks named after the package they come from (`tensorflow-tfjs-core-…js`), so the build's file list says what a visitor downloads. */
function chunkLabel(id: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id.replace(/^.*\/node_modules\/\.pnpm\/[^/]+/, '')) ?? /\/packages\/([^/]+)\//.exec(id);
  const name = match ? match[1].replace(/^@/, '') : (id.split('/').pop() ?? 'chunk').replace(/\.[^.]+$/, '');
  return name.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'chunk';
}

export default defineConfig({
  // Relative asset URLs: the built folder works from any path (a sub-folder of a static host included).
  base: './',
  plugins: [demoAssets({ repoRoot: repoRootFrom(here) })],
  // @attnkit/backend-gpujs checks which kernel class gpu.js built by its constructor name (gpu.js falls back
  // silently otherwise); minified class names would make every WebGL2 kernel look like a fallback.
  esbuild: { keepNames: true },
  build: {
    target: 'es2022',
    sourcemap: true,
    // tfjs-core and gpu.js are large single modules, each loaded only when its backend is picked.
    chunkSizeWarningLimit: 1500,
    rollupOptions: { output: { chunkFileNames: (chunk) => `assets/${chunkLabel(chunk.facadeModuleId ?? chunk.moduleIds[0] ?? chunk.name)}-[hash].js` } },
  },
  preview: { host: '127.0.0.1' },
  server: { host: '127.0.0.1' },
});
