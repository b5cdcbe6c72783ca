import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { demoAssets, repoRootFrom } from './src/build/demo-assets.js';

const here = fileURLToPath(new URL('.', import.meta.url));

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
  },
  preview: { host: '127.0.0.1' },
  server: { host: '127.0.0.1' },
});
