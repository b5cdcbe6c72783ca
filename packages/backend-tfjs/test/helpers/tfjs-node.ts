import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** Registers tfjs cpu and wasm for Node tests; wasm loads its .wasm files from the installed package. */
const require = createRequire(import.meta.url);
export const WASM_DIR = `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`;
setWasmPaths(WASM_DIR);

export const NODE_TFJS_BACKENDS = ['cpu', 'wasm'] as const;
