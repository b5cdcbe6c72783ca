import { AttnkitError } from '@attnkit/core';

/**
 * Worker threads over one shared memory, driven synchronously: `run` wakes every worker, computes the
 * calling thread's share itself, and returns when all are done, so a kernel call is finished when it
 * returns, as on the other CPU backends. Each kernel shares its units out through an atomic counter, so
 * threads that finish early take more (causal rows cost less than full ones).
 *
 * The control block, six int32 words in the module's memory:
 *   0 generation   bumped once per job; workers wait on it
 *   1 kernel       the job's kernel number, −1 to quit
 *   2 args         byte offset of the job's argument block
 *   3 done         workers that finished the job
 *   4 failed       set by a worker whose call trapped
 *   5 threads      how many threads (the caller included) take part
 */
export interface KernelExports {
  run(kernel: number, args: number, thread: number): void;
  attention_scratch_bytes(rows: number, D: number, Dv: number, keyBlock: number): number;
  args_bytes(kernel: number): number;
  readonly __stack_pointer: WebAssembly.Global;
  readonly __heap_base: WebAssembly.Global;
}

const GENERATION = 0;
const KERNEL = 1;
const ARGS = 2;
const DONE = 3;
const FAILED = 4;
const THREADS = 5;
export const CONTROL_BYTES = 32;

/**
 * The worker's whole program, as source: Node runs it with `eval: true`, a browser from a Blob URL, so
 * the package needs no second file that a bundler would have to find. It waits on the generation word,
 * runs its share, counts itself done, and never touches the memory otherwise.
 */
const WORKER_SOURCE = `
const start = (post, onMessage) => onMessage((message) => {
  const { module, memory, control, index, stackTop } = message;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exports = instance.exports;
  exports.__stack_pointer.value = stackTop;
  const ctl = new Int32Array(memory.buffer, control, 8);
  // Read before saying ready: the first job's bump can only come after every worker is ready.
  let seen = Atomics.load(ctl, ${GENERATION});
  post('ready');
  for (;;) {
    Atomics.wait(ctl, ${GENERATION}, seen);
    const generation = Atomics.load(ctl, ${GENERATION});
    if (generation === seen) continue;
    seen = generation;
    const kernel = Atomics.load(ctl, ${KERNEL});
    if (kernel < 0) break;
    if (index < Atomics.load(ctl, ${THREADS})) {
      try {
        exports.run(kernel, Atomics.load(ctl, ${ARGS}), index);
      } catch (error) {
        exports.__stack_pointer.value = stackTop;
        Atomics.store(ctl, ${FAILED}, 1);
      }
    }
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
});
if (typeof require === 'function') {
  const { parentPort } = require('node:worker_threads');
  start((m) => parentPort.postMessage(m), (f) => parentPort.once('message', f));
} else {
  start((m) => self.postMessage(m), (f) => { self.onmessage = (e) => { self.onmessage = null; f(e.data); }; });
}
`;

interface WorkerHandle {
  terminate(): void;
}

export class ThreadPool {
  private disposed = false;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly main: KernelExports,
    private readonly mainStackTop: number,
    private readonly control: number,
    private readonly workers: readonly WorkerHandle[],
  ) {}

  /** Starts `threads − 1` workers on `module` (the caller is thread 0); each gets its own stack. */
  static async create(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    main: KernelExports,
    control: number,
    threads: number,
    stackTop: (index: number) => number,
  ): Promise<ThreadPool> {
    new Int32Array(memory.buffer, control, 8).fill(0);
    const workers: WorkerHandle[] = [];
    try {
      for (let index = 1; index < threads; index++) {
        workers.push(await startWorker({ module, memory, control, index, stackTop: stackTop(index) }));
      }
    } catch (error) {
      for (const w of workers) w.terminate();
      throw error;
    }
    return new ThreadPool(memory, main, Number(main.__stack_pointer.value), control, workers);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs `kernel` on `threads` threads (1 … this.threads) and returns when every one has finished.
   * A trap on any thread becomes BACKEND_FAILURE after all have stopped; the module stays usable.
   */
  run(kernel: number, args: number, threads: number): void {
    if (this.disposed) throw new AttnkitError('DISPOSED', 'wasm: the thread pool was disposed');
    let failure: unknown;
    if (threads <= 1 || this.workers.length === 0) {
      failure = this.runHere(kernel, args);
    } else {
      const ctl = new Int32Array(this.memory.buffer, this.control, 8);
      Atomics.store(ctl, KERNEL, kernel);
      Atomics.store(ctl, ARGS, args);
      Atomics.store(ctl, DONE, 0);
      Atomics.store(ctl, FAILED, 0);
      Atomics.store(ctl, THREADS, threads);
      Atomics.add(ctl, GENERATION, 1);
      Atomics.notify(ctl, GENERATION);
      failure = this.runHere(kernel, args);
      waitForAll(ctl, this.workers.length);
      if (failure === undefined && Atomics.load(ctl, FAILED)) failure = new Error('a worker thread trapped');
    }
    if (failure !== undefined) {
      const message = failure instanceof Error ? failure.message : String(failure);
      throw new AttnkitError(
        'BACKEND_FAILURE',
        `wasm: kernel ${kernel} failed (${message}); the backend remains usable`,
        { cause: failure },
      );
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.workers.length > 0) {
      const ctl = new Int32Array(this.memory.buffer, this.control, 8);
      Atomics.store(ctl, KERNEL, -1);
      Atomics.add(ctl, GENERATION, 1);
      Atomics.notify(ctl, GENERATION);
    }
    for (const w of this.workers) w.terminate();
  }

  private runHere(kernel: number, args: number): unknown {
    try {
      this.main.run(kernel, args, 0);
      return undefined;
    } catch (error) {
      // A trap leaves the stack pointer where the trapping function had moved it.
      this.main.__stack_pointer.value = this.mainStackTop;
      return error;
    }
  }
}

/** Atomics.wait where the thread may block (Node, workers), a spin on the counter where it may not (a page's main thread). */
function waitForAll(ctl: Int32Array, workers: number): void {
  const canBlock = !isBrowserMainThread();
  for (let done = Atomics.load(ctl, DONE); done < workers; done = Atomics.load(ctl, DONE)) {
    if (canBlock) Atomics.wait(ctl, DONE, done, 50);
  }
}

function isBrowserMainThread(): boolean {
  return typeof (globalThis as { document?: unknown }).document !== 'undefined';
}

interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  index: number;
  stackTop: number;
}

async function startWorker(init: WorkerInit): Promise<WorkerHandle> {
  const nodeThreads = nodeWorkerThreads();
  if (nodeThreads) {
    const worker = new nodeThreads.Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.postMessage(init);
    });
    return { terminate: () => void worker.terminate() };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  try {
    await new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (event) => reject(new Error(event.message || 'the worker failed to start'));
      worker.postMessage(init);
    });
  } finally {
    URL.revokeObjectURL(url);
  }
  return { terminate: () => worker.terminate() };
}

interface NodeWorkerThreads {
  Worker: new (
    source: string,
    options: { eval: true },
  ) => {
    unref(): void;
    once(event: string, listener: (value: unknown) => void): void;
    postMessage(value: unknown): void;
    terminate(): Promise<number>;
  };
}

function nodeWorkerThreads(): NodeWorkerThreads | undefined {
  const proc = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } } }
  ).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== 'function') return undefined;
  return proc.getBuiltinModule('node:worker_threads') as NodeWorkerThreads;
}
