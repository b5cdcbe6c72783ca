import type { FeedData } from '../onnx/attention-model.js';

/**
 * The side that started onnxruntime-web-worker.mjs talks to it through this: a worker_threads Worker in
 * Node, a module Worker in a browser. Browser-safe.
 */
export interface WorkerPort {
  post(message: unknown): void;
  /** Every message from the worker, and a failure when it throws or exits. */
  listen(onMessage: (message: unknown) => void, onFailure: (error: Error) => void): void;
  terminate(): Promise<void>;
}

interface Reply {
  readonly id: number;
  readonly value?: unknown;
  readonly error?: string;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Requests to one onnxruntime-web worker (the ops of onnxruntime-web-worker.mjs), each settled by its reply. */
export class OnnxWebWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;

  constructor(private readonly port: WorkerPort) {
    port.listen(
      (message) => {
        const reply = message as Reply;
        const waiting = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (reply.error !== undefined) waiting?.reject(new Error(reply.error));
        else waiting?.resolve(reply.value);
      },
      (error) => {
        this.failure = error;
        for (const waiting of this.pending.values()) waiting.reject(error);
        this.pending.clear();
      },
    );
  }

  /** Imports onnxruntime-web in the worker (a module specifier in Node, a URL in a browser) with its thread count. */
  start(module: string, numThreads: number): Promise<{ version: string }> {
    return this.request('start', { module, numThreads });
  }

  /** A session of the model with its feeds (copied into the worker); numThreads is what the runtime settled on. */
  open(
    model: Uint8Array,
    feeds: Record<string, FeedData>,
    options: Readonly<Record<string, unknown>>,
  ): Promise<{ session: number; numThreads: number }> {
    return this.request('open', { model, feeds, options });
  }

  run(session: number): Promise<void> {
    return this.request('run', { session });
  }

  read(session: number, output: string): Promise<Float32Array> {
    return this.request('read', { session, output });
  }

  close(session: number): Promise<void> {
    return this.request('close', { session });
  }

  terminate(): Promise<void> {
    return this.port.terminate();
  }

  private request<T>(op: string, args: Record<string, unknown>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.port.post({ id, op, ...args });
    });
  }
}
