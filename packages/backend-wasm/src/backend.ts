import {
  AttnkitError,
  type Backend,
  type BackendKernels,
  FULL_ATTENTION_CAPABILITIES,
  type HostArray,
  type MemoryInfo,
  type RunsOn,
  SPECIFICATION_VERSION,
} from '@attnkit/core';
import { runAttention } from './kernels/attention.js';
import { Call, type CallContext } from './kernels/call.js';
import * as ops from './kernels/primitives.js';
import type { Heap, HeapStats } from './runtime/heap.js';
import type { KernelExports, ThreadPool } from './runtime/threads.js';
import type { WasmTensor } from './tensor.js';

/** `memory()` of this backend: the live tensors, plus the allocator's view of the module's memory. */
export interface WasmMemoryInfo extends MemoryInfo, HeapStats {
  /** The most the module's memory may grow to; a call that would pass it throws DEVICE_LIMIT. */
  readonly limitBytes: number;
}

export interface WasmBackendParts {
  readonly memory: WebAssembly.Memory;
  readonly heap: Heap;
  readonly pool: ThreadPool;
  readonly exports: KernelExports;
  readonly runsOn: RunsOn;
  readonly limitBytes: number;
}

/**
 * attnkit on its own WebAssembly kernels: the fused attention of csrc/attention.c and the primitives a
 * Transformer needs, in float32, on `threads` CPU threads. Tensors live in the module's memory between
 * calls; every call finishes before it returns.
 */
export class WasmBackend implements Backend<WasmTensor> {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly name = 'wasm';
  readonly capabilities;
  readonly runsOn: RunsOn;
  readonly kernels: BackendKernels<WasmTensor>;
  isDisposed = false;
  private readonly live = new Set<WasmTensor>();
  private readonly context: CallContext;

  constructor(private readonly parts: WasmBackendParts) {
    this.runsOn = parts.runsOn;
    this.capabilities = {
      precisions: ['float32'] as const,
      attention: FULL_ATTENTION_CAPABILITIES,
      maxTensorElements: Math.floor(parts.limitBytes / 4),
    };
    this.context = {
      owner: this,
      memory: parts.memory,
      heap: parts.heap,
      pool: parts.pool,
      exports: parts.exports,
      live: this.live,
    };
    const call = <R>(body: (call: Call) => R): R => this.call(body);
    this.kernels = {
      upload: (data, shape, dtype) =>
        call((c) => {
          const t = c.output(shape, dtype);
          new Uint8Array(parts.memory.buffer, t.ptr, t.bytes).set(
            new Uint8Array(data.buffer, data.byteOffset, t.bytes),
          );
          return t;
        }),
      read: async (t) => this.readNow(t),
      dispose: (t) => this.release(t),
      memory: () => this.memoryInfo(),
      attention: (inputs, plan) => call((c) => runAttention(c, inputs, plan)),
      matmul: (a, b, bias, plan) => call((c) => ops.matmul(c, a, b, bias, plan)),
      binary: (op, a, b, plan) => call((c) => ops.binary(c, op, a, b, plan)),
      unary: (op, x) => call((c) => ops.unary(c, op, x)),
      scale: (x, factor) => call((c) => ops.unary(c, 'scale', x, factor)),
      softmax: (x, plan, log) => call((c) => ops.rows(c, log ? 'log-softmax' : 'softmax', x, plan)),
      layerNorm: (x, gamma, beta, epsilon, plan) =>
        call((c) => ops.rows(c, 'layer-norm', x, plan, { gamma, beta, epsilon })),
      gather: (table, ids, plan) => call((c) => ops.gather(c, table, ids, plan)),
      concat: (tensors, plan) => call((c) => ops.concat(c, tensors, plan)),
      slice: (x, plan) => call((c) => ops.slice(c, x, plan)),
      reshape: (x, shape) => call((c) => ops.reshape(c, x, shape)),
      argmax: (x, plan) => call((c) => ops.argmax(c, x, plan)),
      topK: (x, k, plan) => call((c) => ops.topK(c, x, k, plan)),
    };
  }

  /** Threads that run each large call (1 where the page or engine has no shared memory). */
  get threads(): number {
    return this.parts.pool.threads;
  }

  /**
   * The allocator's accounting under the names the WebGPU backend's pool uses (`bytesInUse`, `peakBytes`,
   * `bytesFree`), so tools that measure one call's working memory read both the same way.
   */
  memoryStats(): { bytesInUse: number; peakBytes: number; bytesFree: number; committedBytes: number } {
    const { usedBytes, peakUsedBytes, freeBytes, committedBytes } = this.parts.heap.stats();
    return { bytesInUse: usedBytes, peakBytes: peakUsedBytes, bytesFree: freeBytes, committedBytes };
  }

  /** Starts the peak (`memory().peakUsedBytes`, `memoryStats().peakBytes`) again from what is in use now. */
  resetPeak(): void {
    this.parts.heap.resetPeak();
  }

  dispose(): void {
    if (this.isDisposed) return;
    for (const t of this.live) t.isDisposed = true;
    this.live.clear();
    this.parts.pool.dispose();
    this.isDisposed = true;
  }

  private call<R>(body: (call: Call) => R): R {
    if (this.isDisposed) throw new AttnkitError('DISPOSED', 'wasm: the backend was disposed');
    const call = new Call(this.context);
    let ok = false;
    try {
      const result = body(call);
      ok = true;
      return result;
    } finally {
      call.end(ok);
    }
  }

  private release(t: WasmTensor): void {
    if (!this.live.delete(t)) return;
    t.isDisposed = true;
    this.parts.heap.release(t.ptr);
  }

  private readNow(t: WasmTensor): HostArray {
    const buffer = this.parts.memory.buffer;
    if (t.dtype === 'float32') return new Float32Array(buffer, t.ptr, t.size).slice();
    if (t.dtype === 'int32') return new Int32Array(buffer, t.ptr, t.size).slice();
    return new Uint8Array(buffer, t.ptr, t.size).slice();
  }

  private memoryInfo(): WasmMemoryInfo {
    let liveBytes = 0;
    for (const t of this.live) liveBytes += t.bytes;
    return { liveTensors: this.live.size, liveBytes, ...this.parts.heap.stats(), limitBytes: this.parts.limitBytes };
  }
}
