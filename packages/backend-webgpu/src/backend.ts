import {
  type Backend,
  type BackendCapabilities,
  type BackendKernels,
  type DType,
  FULL_ATTENTION_CAPABILITIES,
  type HostArray,
  type MemoryInfo,
  type RunsOn,
  SPECIFICATION_VERSION,
  sizeOf,
} from '@attnkit/core';
import type { AcquiredDevice } from './adapter.js';
import { Autotuner, type TuneOptions, type TuneResult, type TuneShape } from './autotune.js';
import type { TuningCache } from './autotune-cache.js';
import { Gpu } from './gpu.js';
import { runAttention } from './kernels/attention.js';
import type { AttentionTuning } from './kernels/attention-stream.js';
import { copyBlocksKernel, gatherKernel } from './kernels/copy.js';
import { binaryKernel, unaryKernel } from './kernels/elementwise.js';
import { matmulKernel } from './kernels/matmul.js';
import { argmaxKernel, layerNormKernel, softmaxKernel, topKKernel } from './kernels/rows.js';
import type { PipelineStats } from './pipelines.js';
import { DEFAULT_POOL_FREE_BYTES, type PoolStats } from './pool.js';
import { WebGpuTensor } from './tensor.js';
import { type AdapterClass, type AttentionShape, Tuner, type TuningOverrides } from './tuner.js';

/** `memory()` of the WebGPU backend: the contract's live-tensor count and bytes, and the buffer pool's. */
export interface WebGpuMemoryInfo extends MemoryInfo {
  /** Bytes of GPU buffers in use: live tensors rounded up to their size class, and a running call's scratch. */
  readonly usedBytes: number;
  /** Bytes of released buffers the pool keeps for reuse, at most its cap (`createBackend({ poolFreeBytes })`). */
  readonly freeBytes: number;
}

export interface WebGpuBackendOptions {
  readonly tuning?: TuningOverrides;
  /** Cap on the buffer pool's free bytes (default: DEFAULT_POOL_FREE_BYTES for the adapter's class). */
  readonly poolFreeBytes?: number;
  /** Compiled pipelines kept, least recently used dropped first (default DEFAULT_PIPELINE_CACHE_SIZE, 256). */
  readonly pipelineCacheSize?: number;
  /** How long a wait on the GPU may last before the backend gives the device up as lost (gpu.ts). */
  readonly watchdogMs?: number;
  /** Time attention variants on first use of a shape class (default: on for hardware adapters only). */
  readonly autotune?: boolean;
  /** Choices timed before (`tuningCache()` of an earlier backend), already checked by parseTuningCache. */
  readonly tuningCache?: TuningCache;
}

/** Kernels that allocate nothing: they run as they are; every other one is a call that is undone if it throws. */
const NOT_ALLOCATING = new Set(['read', 'dispose', 'memory']);

/** What this package's own tests inspect; set by WebGpuBackend's static block, not exported by index.ts. */
export let internals: (backend: WebGpuBackend) => {
  readonly gpu: Gpu;
  readonly tuner: Tuner;
  readonly autotuner: Autotuner;
};

/**
 * The contract on one GPUDevice. Every kernel only queues work; `read()` is the one place that waits.
 * Create it with `createBackend()`; the device, buffer pool, pipeline cache and tuner are private.
 */
export class WebGpuBackend implements Backend<WebGpuTensor> {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly name = 'webgpu';
  readonly capabilities: BackendCapabilities;
  readonly runsOn: RunsOn;
  isDisposed = false;
  readonly #gpu: Gpu;
  readonly #tuner: Tuner;
  readonly #autotuner: Autotuner;
  private readonly live = new Set<WebGpuTensor>();
  /** Tensors allocated by the kernel call running now (see #atomic); null between calls. */
  #made: WebGpuTensor[] | null = null;

  static {
    internals = (backend) => ({ gpu: backend.#gpu, tuner: backend.#tuner, autotuner: backend.#autotuner });
  }

  constructor(acquired: AcquiredDevice, options: WebGpuBackendOptions = {}) {
    const adapterClass: AdapterClass = acquired.runsOn.device === 'gpu' ? 'hardware' : 'software';
    const poolFreeBytes =
      options.poolFreeBytes ?? DEFAULT_POOL_FREE_BYTES[adapterClass === 'hardware' ? 'gpu' : 'software'];
    this.#gpu = new Gpu(
      acquired.device,
      acquired.ownsDevice,
      poolFreeBytes,
      options.pipelineCacheSize,
      options.watchdogMs,
    );
    this.runsOn = acquired.runsOn;
    const limits = acquired.device.limits;
    this.#tuner = new Tuner(
      adapterClass,
      limits.maxComputeWorkgroupStorageSize,
      options.tuning ?? {},
      acquired.features.includes('subgroups'),
    );
    this.capabilities = {
      precisions: acquired.features.includes('shader-f16') ? ['float32', 'float16'] : ['float32'],
      attention: FULL_ATTENTION_CAPABILITIES,
      maxTensorElements: Math.floor(Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize) / 4),
    };
    // Timing on a software adapter competes with everything else on the CPU: off there unless asked for.
    const deps = { gpu: this.#gpu, tuner: this.#tuner, runsOn: this.runsOn, adapterClass };
    const auto = options.autotune ?? adapterClass === 'hardware';
    this.#autotuner = new Autotuner({ ...deps, capabilities: this.capabilities }, auto, options.tuningCache);
    this.#tuner.measured = (plan, heuristic) => this.#autotuner.lookup(plan, heuristic);
  }

  /**
   * True once the device is lost: by the driver, or by the watchdog when a wait on the GPU outlasted
   * `watchdogMs`. Every call then throws DEVICE_LOST; create a new backend.
   */
  get isLost(): boolean {
    return this.#gpu.isLost;
  }

  /** Why the device was lost (the driver's reason or the watchdog's), null while it is not. */
  get lossReason(): string | null {
    return this.#gpu.lossReason;
  }

  /** Whether shape classes met for the first time are timed after the call (`createBackend({ autotune })`). */
  get autotune(): boolean {
    return this.#autotuner.auto;
  }

  /**
   * Times the attention candidates of each shape's class on this adapter (unless the cache has it, or
   * `force`), keeps the fastest in the tuning cache and runs it from now on; resolves with the choice and the
   * measurements per class. Works with autotune off too.
   */
  tune(shapes: readonly TuneShape[], options?: TuneOptions): Promise<TuneResult[]> {
    return this.#autotuner.tune(shapes, options);
  }

  /** The tuning cache as plain JSON data, to persist and give to `createBackend({ tuningCache })`. */
  tuningCache(): TuningCache {
    return this.#autotuner.cache();
  }

  /**
   * The buffer pool's accounting (bytes in use, peak, free, the cap on free bytes and what was trimmed to keep
   * under it); `resetPeak()` starts a new measurement.
   */
  memoryStats(): PoolStats {
    return this.#gpu.pool.stats();
  }

  /** Pipelines compiled, held now, dropped by the bound, and the bound (`createBackend({ pipelineCacheSize })`). */
  kernelStats(): PipelineStats {
    return this.#gpu.pipelines.stats();
  }

  /** Starts `memoryStats().peakBytes` again from the bytes in use now. */
  resetPeak(): void {
    this.#gpu.pool.resetPeak();
  }

  /**
   * The GPUDevice the kernels run on (yours when you passed one to `createBackend`), for sharing it with
   * other WebGPU code. Destroying it loses the backend: later calls fail with DEVICE_LOST.
   */
  get device(): GPUDevice {
    return this.#gpu.device;
  }

  /**
   * The attention kernel variant this backend runs for a shape: the tuning cache's choice for its class, else
   * the adapter's heuristics, with the `tuning.attention` pins given to `createBackend` applied, including
   * `splitKeys` (0: keys not split). Asking schedules no tuning.
   */
  attentionTuning(shape: AttentionShape): AttentionTuning {
    return this.#autotuner.quietly(() => this.#tuner.attention(shape));
  }

  dispose(): void {
    if (this.isDisposed) return;
    for (const t of this.live) t.isDisposed = true;
    this.live.clear();
    this.#autotuner.dispose();
    this.#gpu.destroy();
    this.isDisposed = true;
  }

  private alloc(shape: readonly number[], dtype: DType = 'float32'): WebGpuTensor {
    this.#gpu.checkAlive('allocate');
    const size = sizeOf(shape);
    const t = new WebGpuTensor(this, [...shape], dtype, this.#gpu.pool.acquire(size * 4), size);
    this.live.add(t);
    this.#made?.push(t);
    return t;
  }

  /**
   * Runs one kernel call so that a throw leaves nothing behind: the tensors it allocated are dropped and every
   * buffer it acquired goes back to the pool (a shader known not to compile, a grid too large, a lost device).
   */
  #call<R>(work: () => R): R {
    const made: WebGpuTensor[] = [];
    this.#made = made;
    this.#gpu.pool.beginCall();
    try {
      return work();
    } catch (error) {
      for (const t of made) {
        t.isDisposed = true;
        this.live.delete(t);
      }
      this.#gpu.pool.rollbackCall();
      throw error;
    } finally {
      this.#made = null;
      this.#gpu.pool.endCall();
    }
  }

  #atomic(kernels: BackendKernels<WebGpuTensor>): BackendKernels<WebGpuTensor> {
    const wrapped: Record<string, unknown> = { ...kernels };
    for (const [name, kernel] of Object.entries(kernels)) {
      if (NOT_ALLOCATING.has(name)) continue;
      const run = kernel as (...args: unknown[]) => unknown;
      wrapped[name] = (...args: unknown[]) => this.#call(() => run(...args));
    }
    return wrapped as unknown as BackendKernels<WebGpuTensor>;
  }

  private release(t: WebGpuTensor): void {
    if (t.isDisposed) return;
    t.isDisposed = true;
    this.live.delete(t);
    this.#gpu.pool.release(t.buffer);
  }

  private copyBlocks(src: WebGpuTensor, dst: WebGpuTensor, count: number, u: Record<string, number>): void {
    this.#gpu.run(copyBlocksKernel(), [src.buffer, dst.buffer], { count, ...u }, { invocations: count });
  }

  readonly kernels: BackendKernels<WebGpuTensor> = this.#atomic({
    upload: (data, shape, dtype) => {
      const t = this.alloc(shape, dtype);
      this.#gpu.write(t.buffer, dtype === 'bool' ? Uint32Array.from(data) : data);
      return t;
    },
    read: async (t) => {
      const bytes = await this.#gpu.read(t.buffer, t.bytes);
      if (t.dtype === 'float32') return new Float32Array(bytes);
      if (t.dtype === 'int32') return new Int32Array(bytes);
      return Uint8Array.from(new Uint32Array(bytes), (v) => (v ? 1 : 0)) as HostArray;
    },
    dispose: (t) => this.release(t),
    memory: (): WebGpuMemoryInfo => {
      let bytes = 0;
      for (const t of this.live) bytes += t.bytes;
      const pool = this.#gpu.pool.stats();
      return { liveTensors: this.live.size, liveBytes: bytes, usedBytes: pool.bytesInUse, freeBytes: pool.bytesFree };
    },

    attention: (inputs, plan) =>
      runAttention(
        { gpu: this.#gpu, tuner: this.#tuner, alloc: (shape) => this.alloc(shape), release: (t) => this.release(t) },
        inputs,
        plan,
      ),

    matmul: (a, b, bias, plan) => {
      const out = this.alloc(plan.outShape);
      const { batch, M, N, K } = plan;
      const tuning = this.#tuner.matmul(plan);
      const [asi, ask] = plan.transposeA ? [1, M] : [K, 1];
      const [bsk, bsj] = plan.transposeB ? [1, K] : [N, 1];
      const RM = tuning.rowsPerInvocation;
      const shared = tuning.strategy === 'shared';
      const tilesM = shared ? Math.ceil(M / 16) : Math.ceil(M / RM);
      const tilesN = shared ? Math.ceil(N / 16) : Math.ceil(N / 4);
      const count = batch * tilesM * tilesN;
      const u = { M, N, K, asb: M * K, asi, ask, bsb: plan.batchedB ? K * N : 0, bsk, bsj, tilesM, tilesN, count };
      const buffers = [a.buffer, b.buffer, ...(bias ? [bias.buffer] : []), out.buffer];
      this.#gpu.run(
        matmulKernel(tuning, bias !== null),
        buffers,
        u,
        shared ? { groups: count } : { invocations: count },
      );
      return out;
    },
    binary: (op, a, b, plan) => {
      const out = this.alloc(plan.outShape);
      const rank = plan.outShape.length;
      const meta = this.#gpu.pool.acquire(Math.max(1, rank * 3) * 4);
      this.#gpu.write(meta, Uint32Array.from([...plan.outShape, ...plan.aStrides, ...plan.bStrides]));
      this.#gpu.run(
        binaryKernel(op),
        [a.buffer, b.buffer, meta, out.buffer],
        { count: out.size, rank },
        { invocations: out.size },
      );
      this.#gpu.pool.release(meta);
      return out;
    },
    unary: (op, x) => {
      const out = this.alloc(x.shape);
      this.#gpu.run(unaryKernel(op), [x.buffer, out.buffer], { count: x.size }, { invocations: x.size });
      return out;
    },
    scale: (x, factor) => {
      const out = this.alloc(x.shape);
      this.#gpu.run(unaryKernel('scale'), [x.buffer, out.buffer], { count: x.size, factor }, { invocations: x.size });
      return out;
    },
    softmax: (x, plan, log) => {
      const out = this.alloc(x.shape);
      this.#gpu.run(
        softmaxKernel(log),
        [x.buffer, out.buffer],
        { rows: plan.rows, width: plan.width },
        { invocations: plan.width ? plan.rows : 0 },
      );
      return out;
    },
    layerNorm: (x, gamma, beta, epsilon, plan) => {
      const out = this.alloc(x.shape);
      this.#gpu.run(
        layerNormKernel(),
        [x.buffer, gamma.buffer, beta.buffer, out.buffer],
        { rows: plan.rows, width: plan.width, epsilon },
        {
          invocations: plan.width ? plan.rows : 0,
        },
      );
      return out;
    },
    gather: (table, ids, plan) => {
      const out = this.alloc(plan.outShape);
      const count = plan.count * plan.width;
      this.#gpu.run(
        gatherKernel(),
        [table.buffer, ids.buffer, out.buffer],
        { count, width: plan.width, vocabulary: plan.vocabulary },
        { invocations: count },
      );
      return out;
    },
    concat: (tensors, plan) => {
      const out = this.alloc(plan.outShape, tensors[0].dtype);
      const inner = sizeOf(plan.outShape.slice(plan.axis + 1));
      const total = plan.outShape[plan.axis];
      let offset = 0;
      for (const part of tensors) {
        const length = part.shape[plan.axis];
        const chunk = length * inner;
        if (chunk > 0)
          this.copyBlocks(part, out, part.size, {
            chunk,
            srcBlock: chunk,
            srcOffset: 0,
            dstBlock: total * inner,
            dstOffset: offset * inner,
          });
        offset += length;
      }
      return out;
    },
    slice: (x, plan) => {
      const out = this.alloc(plan.outShape, x.dtype);
      const inner = sizeOf(x.shape.slice(plan.axis + 1));
      const chunk = plan.length * inner;
      if (chunk > 0) {
        const srcBlock = x.shape[plan.axis] * inner;
        this.copyBlocks(x, out, out.size, {
          chunk,
          srcBlock,
          srcOffset: plan.start * inner,
          dstBlock: chunk,
          dstOffset: 0,
        });
      }
      return out;
    },
    reshape: (x, shape) => {
      const out = this.alloc(shape, x.dtype);
      this.#gpu.copy(x.buffer, out.buffer, x.bytes);
      return out;
    },
    argmax: (x, plan) => {
      const out = this.alloc(x.shape.slice(0, -1), 'int32');
      this.#gpu.run(
        argmaxKernel(),
        [x.buffer, out.buffer],
        { rows: plan.rows, width: plan.width },
        { invocations: plan.rows },
      );
      return out;
    },
    topK: (x, k, plan) => {
      const shape = [...x.shape.slice(0, -1), k];
      const values = this.alloc(shape);
      const indices = this.alloc(shape, 'int32');
      this.#gpu.run(
        topKKernel(),
        [x.buffer, values.buffer, indices.buffer],
        { rows: plan.rows, width: plan.width, k },
        { invocations: k ? plan.rows : 0 },
      );
      return { values, indices };
    },
  });
}
