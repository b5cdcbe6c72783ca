import { Worker } from 'node:worker_threads';
import { onnxruntimeWebTarget } from './onnxruntime-web.js';
import { OnnxWebWorker } from './onnxruntime-web-client.js';
import type { Target } from './target.js';

/**
 * onnxruntime-web in Node on `threads` threads, in a worker thread of its own: `import 'onnxruntime-web'`
 * there resolves to its Node build, and each worker's fresh copy of the module takes its own thread count.
 */
export function createOnnxRuntimeWebTarget(name: string, threads: number): Promise<Target> {
  const worker = new Worker(new URL('./onnxruntime-web-worker.mjs', import.meta.url));
  const client = new OnnxWebWorker({
    post: (message) => worker.postMessage(message),
    listen: (onMessage, onFailure) => {
      worker.on('message', onMessage);
      worker.on('error', onFailure);
      worker.on('exit', (code) => onFailure(new Error(`the onnxruntime-web worker exited with code ${code}`)));
    },
    terminate: async () => {
      await worker.terminate();
    },
  });
  return onnxruntimeWebTarget(client, { name, threads, module: 'onnxruntime-web', where: 'worker thread' });
}
