import { type BenchCase, benchCase, scoreBytes } from '../grid.js';
import { type CaseInputs, makeInputs } from '../inputs.js';
import { formatGiB } from '../measure.js';
import { attentionFeeds, buildAttentionModel } from '../onnx/attention-model.js';
import type { OnnxWebWorker } from './onnxruntime-web-client.js';
import type { PreparedCell, Target } from './target.js';

/** onnxruntime-web's CPU path: its WebAssembly execution provider (SIMD, threads over a shared memory). */
const SESSION_OPTIONS = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' } as const;

/** A wasm32 memory holds at most 4 GiB; the Attention operator materializes the [B,Hq,Sq,T] scores in it. */
const WASM32_MEMORY_BYTES = 4 * 2 ** 30;

/** The smallest Attention model: its session starts the runtime, which is when the thread count settles. */
const STARTUP_CASE = benchCase({ group: 'sequence', Hq: 1, Sq: 1, T: 1, D: 8 });

export interface OnnxWebTargetOptions {
  readonly name: string;
  readonly threads: number;
  /** What the worker imports: 'onnxruntime-web' in Node (its Node build), a URL of its wasm build in a browser. */
  readonly module: string;
  /** Where the worker runs, for `runsOn` ('worker thread', 'Web Worker'). */
  readonly where: string;
}

/**
 * The peer a browser user without WebGPU picks: onnxruntime-web running the same opset-23 `Attention` model
 * as onnxruntime-node, on its wasm execution provider, in a worker of its own (see onnxruntime-web-worker.mjs
 * for why). Timed calls include one message to the worker and one back (tens of microseconds). Refuses to
 * start when the runtime settles on another thread count than asked (it falls back to 1 without
 * SharedArrayBuffer). Browser-safe: the worker is given.
 */
export async function onnxruntimeWebTarget(worker: OnnxWebWorker, options: OnnxWebTargetOptions): Promise<Target> {
  const { name, threads } = options;
  try {
    const { version } = await worker.start(options.module, threads);
    const startup = await worker.open(
      buildAttentionModel(STARTUP_CASE).bytes,
      attentionFeeds(makeInputs(STARTUP_CASE)),
      SESSION_OPTIONS,
    );
    await worker.close(startup.session);
    if (startup.numThreads !== threads)
      throw new Error(
        `onnxruntime-web settled on ${startup.numThreads} thread(s), not ${threads} (no SharedArrayBuffer here?)`,
      );
    const threadText = threads === 1 ? '1 thread' : `${threads} threads`;
    return {
      name,
      label: `onnxruntime-web ${version} Attention (opset 23), wasm, ${threadText}`,
      role: 'peer',
      family: 'wasm',
      runsOn: `onnxruntime-web ${version}, wasm execution provider (SIMD), ${threadText}, in a ${options.where} of its own`,
      threads,
      scoreCopies: 1,
      unsupported: (c) => {
        if (c.precision !== 'float32') return `${c.precision}: measured in float32 only on this peer`;
        if (scoreBytes(c) >= WASM32_MEMORY_BYTES)
          return `its scores (${formatGiB(scoreBytes(c))}) do not fit a wasm32 memory (4 GiB)`;
        return null;
      },
      prepare: (c, inputs) => openCell(worker, c, inputs),
      dispose: () => worker.terminate(),
    };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}

async function openCell(worker: OnnxWebWorker, c: BenchCase, inputs: CaseInputs): Promise<PreparedCell> {
  const { session } = await worker.open(buildAttentionModel(c).bytes, attentionFeeds(inputs), SESSION_OPTIONS);
  let closed = false;
  return {
    run: () => worker.run(session),
    output: () => worker.read(session, 'Y'),
    measureMemory: async () => null,
    dispose: () => {
      if (closed) return;
      closed = true;
      // Requests are handled in order: the next cell's session opens after this one is released.
      worker.close(session).catch(() => undefined);
    },
  };
}
