import type { Backend } from '@attnkit/core';

/** What the harness reads from a backend at one moment. */
export interface Snapshot {
  /** core's `memory()`: tensors created through the backend and not disposed, and their bytes. */
  readonly liveTensors: number;
  readonly liveBytes: number;
  /** Bytes the backend holds by its own accounting (see `BackendProbe.held`). */
  readonly heldBytes: number;
  /** Compiled kernels or pipelines the backend holds now; null where it exposes no count. */
  readonly kernelsLive: number | null;
  /** Kernels or pipelines compiled since the backend was created; null where it exposes no count. */
  readonly kernelsCompiled: number | null;
  /** Other figures the backend exposes (GL textures, pool free bytes, wasm committed memory). */
  readonly extra: Readonly<Record<string, number>>;
}

/** How the harness reads one backend: the best accounting each exposes, found by what it offers. */
export interface BackendProbe {
  /** What `heldBytes` counts, for the report. */
  readonly held: string;
  /** Where the kernel count comes from, or why there is none. */
  readonly kernels: string;
  snapshot(): Snapshot;
}

/**
 * tfjs keeps its one engine on the global object (`_tfengine`, so that copies of tfjs-core share it); reading it
 * there needs no tfjs import and sees what every tfjs backend holds.
 */
function tfjsMemory(): { numTensors: number; numBytes: number } | null {
  const engine = (globalThis as { _tfengine?: { memory(): { numTensors: number; numBytes: number } } })._tfengine;
  return engine ? engine.memory() : null;
}

interface PoolStats {
  readonly bytesInUse: number;
  readonly bytesFree: number;
  readonly committedBytes?: number;
}

interface KernelStats {
  readonly compiled: number;
  readonly live: number;
}

interface PipelineDevice {
  createComputePipeline(...args: unknown[]): unknown;
  createComputePipelineAsync?(...args: unknown[]): Promise<unknown>;
}

/**
 * Reads what each backend exposes, by duck typing so that a backend that gains an accessor is read without a
 * change here:
 * - gpu.js: `kernelStats()` (kernels built and alive) and `liveTextures()` (GL textures on the context);
 * - WebGPU: `memoryStats()` of the buffer pool (held = in use + kept free for reuse) and `kernelStats()` of its
 *   pipeline cache; without `kernelStats()`, the compute pipelines created on its public `device`, counted by
 *   wrapping `createComputePipeline` on that one device object before the first call;
 * - wasm: `memoryStats()` of its heap (held = in use + free blocks; `committedBytes` never shrinks), one
 *   WebAssembly module built at creation, so no kernel count;
 * - tfjs: the engine's `tf.memory()` (tensors tfjs holds, including any created inside a kernel and not
 *   disposed), no kernel count on cpu and wasm;
 * - reference: core's `memory()` only.
 */
export function probeBackend(backend: Backend): BackendProbe {
  const b = backend as unknown as Record<string, unknown>;
  const core = () => backend.kernels.memory();
  const call = <R>(name: string): (() => R) | null =>
    typeof b[name] === 'function' ? () => (b[name] as () => R).call(backend) : null;

  const kernelStats = call<KernelStats>('kernelStats');
  const liveTextures = call<number | null>('liveTextures');
  const memoryStats = call<PoolStats>('memoryStats');
  const pipelines = memoryStats && !kernelStats ? countPipelines(b.device) : null;

  let held = "core's memory().liveBytes (live tensor bytes)";
  let heldBytes = () => core().liveBytes;
  if (memoryStats) {
    held = 'memoryStats(): bytes in use + bytes kept free for reuse';
    heldBytes = () => {
      const s = memoryStats();
      return s.bytesInUse + s.bytesFree;
    };
  } else if (tfjsMemory() && backend.name.startsWith('tfjs-')) {
    held = "tfjs engine's tf.memory().numBytes";
    heldBytes = () => tfjsMemory()!.numBytes;
  }

  let kernels = 'n/a: the backend exposes no kernel count';
  if (kernelStats) kernels = 'kernelStats(): kernels alive (built in all)';
  else if (pipelines) kernels = 'compute pipelines created on backend.device (a cache without kernelStats)';
  else if (backend.name === 'wasm') kernels = 'n/a: one WebAssembly module, built once at creation';
  else if (backend.name === 'reference') kernels = 'n/a: plain TypeScript, nothing compiled';
  else if (backend.name.startsWith('tfjs-')) kernels = 'n/a: tfjs cpu/wasm kernels are precompiled';

  return {
    held,
    kernels,
    snapshot: () => {
      const m = core();
      const extra: Record<string, number> = {};
      const textures = liveTextures?.();
      if (typeof textures === 'number') extra.textures = textures;
      if (memoryStats) {
        const s = memoryStats();
        extra.inUseBytes = s.bytesInUse;
        extra.freeBytes = s.bytesFree;
        if (s.committedBytes !== undefined) extra.committedBytes = s.committedBytes;
      }
      const tfjs = backend.name.startsWith('tfjs-') ? tfjsMemory() : null;
      if (tfjs) extra.tfTensors = tfjs.numTensors;
      const k = kernelStats?.();
      return {
        liveTensors: m.liveTensors,
        liveBytes: m.liveBytes,
        heldBytes: heldBytes(),
        kernelsLive: k ? k.live : pipelines ? pipelines.count() : null,
        kernelsCompiled: k ? k.compiled : pipelines ? pipelines.count() : null,
        extra,
      };
    },
  };
}

/** Counts pipelines created on one GPUDevice object from now on; null when `device` is not one. */
function countPipelines(device: unknown): { count(): number } | null {
  const d = device as PipelineDevice | null | undefined;
  if (!d || typeof d.createComputePipeline !== 'function') return null;
  let count = 0;
  const create = d.createComputePipeline.bind(d);
  d.createComputePipeline = (...args: unknown[]) => {
    count++;
    return create(...args);
  };
  if (typeof d.createComputePipelineAsync === 'function') {
    const createAsync = d.createComputePipelineAsync.bind(d);
    d.createComputePipelineAsync = (...args: unknown[]) => {
      count++;
      return createAsync(...args);
    };
  }
  return { count: () => count };
}
