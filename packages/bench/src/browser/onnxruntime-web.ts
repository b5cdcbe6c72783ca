import { onnxruntimeWebTarget } from '../targets/onnxruntime-web.js';
import { OnnxWebWorker } from '../targets/onnxruntime-web-client.js';
import type { Target } from '../targets/target.js';
import { SERVED } from './served-paths.js';

/** The little of a browser's module Worker used here (the bench compiles against Node's types, not the DOM's). */
interface ModuleWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'message' | 'error', listener: (event: { data?: unknown; message?: string }) => void): void;
  terminate(): void;
}

type ModuleWorkerConstructor = new (url: string, options: { type: 'module' }) => ModuleWorker;

/**
 * onnxruntime-web in the page on `threads` threads, in a module Web Worker of its own (one runtime per thread
 * count, see onnxruntime-web-worker.mjs). Threads need SharedArrayBuffer, so a cross-origin-isolated page;
 * elsewhere the runtime settles on 1 thread and the target refuses to start with that reason.
 */
export function createBrowserOnnxRuntimeWebTarget(name: string, threads: number): Promise<Target> {
  const { Worker, location } = globalThis as unknown as {
    Worker: ModuleWorkerConstructor;
    location: { origin: string };
  };
  const worker = new Worker(`${SERVED.workers}onnxruntime-web-worker.mjs`, { type: 'module' });
  const client = new OnnxWebWorker({
    post: (message) => worker.postMessage(message),
    listen: (onMessage, onFailure) => {
      worker.addEventListener('message', (event) => onMessage(event.data));
      worker.addEventListener('error', (event) =>
        onFailure(new Error(`the onnxruntime-web worker failed: ${event.message ?? 'no message'}`)),
      );
    },
    terminate: async () => worker.terminate(),
  });
  const module = `${location.origin}${SERVED.onnxruntimeWeb}ort.wasm.min.mjs`;
  return onnxruntimeWebTarget(client, { name, threads, module, where: 'Web Worker' });
}
