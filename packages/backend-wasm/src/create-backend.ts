import { AttnkitError, type RunsOn } from '@attnkit/core';
import { WasmBackend } from './backend.js';
import { type ARG_FIELDS, argsBytes, KERNEL_IDS } from './kernels/args.js';
import { Heap } from './runtime/heap.js';
import {
  kernelBytes,
  type MemoryKind,
  SIMD_VARIANTS,
  type SimdVariant,
  threadsAvailable,
  validates,
} from './runtime/module.js';
import { CONTROL_BYTES, type KernelExports, ThreadPool } from './runtime/threads.js';

export interface CreateWasmBackendOptions {
  /**
   * Threads that run each large call, the calling thread included. Default: the number of cores
   * (`navigator.hardwareConcurrency`, `os.availableParallelism()` in Node). Where there is no shared memory
   * (a page without cross-origin isolation) only 1 is possible; asking for more then rejects, while the
   * default settles on 1 and says so in `runsOn`.
   */
  readonly threads?: number;
  /** 'auto' (default): relaxed SIMD where the engine validates it, plain SIMD128 otherwise. Naming one never falls back. */
  readonly simd?: 'auto' | SimdVariant;
  /** The most the module's memory may hold, in bytes (default and maximum 4 GiB − 64 KiB). */
  readonly maxMemoryBytes?: number;
}

const PAGE = 65536;
const MAX_MEMORY = 65535 * PAGE;
const WORKER_STACK = 256 * 1024;

/**
 * Creates the WebAssembly backend, or rejects with UNAVAILABLE and the reason (no SIMD, no shared memory for
 * the threads asked for, a relaxed build the engine refuses). What it settled on is in `runsOn`.
 */
export async function createBackend(options: CreateWasmBackendOptions = {}): Promise<WasmBackend> {
  const cores = defaultThreads();
  const requested = options.threads;
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1 || requested > 256)) {
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `createBackend: threads must be an integer in [1, 256], got ${String(requested)}`,
      {
        argument: 'options.threads',
        expected: 'an integer in [1, 256]',
        given: String(requested),
      },
    );
  }
  const simdOption = options.simd ?? 'auto';
  if (simdOption !== 'auto' && !SIMD_VARIANTS.includes(simdOption)) {
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `createBackend: simd must be 'auto', 'relaxed' or 'simd128', got ${String(simdOption)}`,
      {
        argument: 'options.simd',
        expected: "'auto' | 'relaxed' | 'simd128'",
        given: String(simdOption),
      },
    );
  }
  const limitBytes = options.maxMemoryBytes ?? MAX_MEMORY;
  if (!Number.isFinite(limitBytes) || limitBytes < 16 * PAGE || limitBytes > MAX_MEMORY) {
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `createBackend: maxMemoryBytes must lie in [${16 * PAGE}, ${MAX_MEMORY}], got ${String(limitBytes)}`,
      {
        argument: 'options.maxMemoryBytes',
        expected: `[${16 * PAGE}, ${MAX_MEMORY}]`,
        given: String(limitBytes),
      },
    );
  }

  const shared = threadsAvailable();
  if (requested !== undefined && requested > 1 && !shared.available) {
    throw unavailable(`${requested} threads need a shared memory, and ${shared.reason}`);
  }
  const threads = shared.available ? (requested ?? cores) : 1;
  const memoryKind: MemoryKind = shared.available ? 'shared' : 'single';
  const simd = await pickSimd(simdOption, memoryKind);

  const module = await WebAssembly.compile((await kernelBytes(simd, memoryKind)) as BufferSource);
  const maximum = Math.floor(limitBytes / PAGE);
  const memory = new WebAssembly.Memory({
    initial: 32,
    maximum,
    ...(memoryKind === 'shared' && { shared: true }),
  } as WebAssembly.MemoryDescriptor);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as KernelExports;
  checkLayout(exports);

  const heap = new Heap(memory, Number(exports.__heap_base.value), maximum * PAGE);
  const control = heap.alloc(CONTROL_BYTES, 'the thread control block');
  const stacks = threads > 1 ? heap.alloc(WORKER_STACK * (threads - 1), 'worker stacks') : 0;
  const pool = await ThreadPool.create(
    module,
    memory,
    exports,
    control,
    threads,
    (index) => stacks + WORKER_STACK * index,
  );
  const runsOn = describe(simd, threads, shared.available ? '' : shared.reason, limitBytes);
  return new WasmBackend({ memory, heap, pool, exports, runsOn, limitBytes });
}

async function pickSimd(option: 'auto' | SimdVariant, memory: MemoryKind): Promise<SimdVariant> {
  if (option !== 'auto') {
    if (!(await validates(option, memory))) {
      const hint = option === 'relaxed' ? ' (Node 20 needs --experimental-wasm-relaxed-simd)' : '';
      throw unavailable(`this engine does not accept the ${option} SIMD build${hint}`);
    }
    return option;
  }
  for (const variant of SIMD_VARIANTS) if (await validates(variant, memory)) return variant;
  throw unavailable('this engine has no WebAssembly SIMD128');
}

/** The field lists of kernels/args.ts against the C structs, once per module: a mismatch is a build bug. */
function checkLayout(exports: KernelExports): void {
  for (const [name, id] of Object.entries(KERNEL_IDS) as [keyof typeof ARG_FIELDS, number][]) {
    const bytes = exports.args_bytes(id);
    if (bytes !== argsBytes(name)) {
      throw new AttnkitError(
        'BACKEND_FAILURE',
        `wasm: the ${name} argument block is ${bytes} bytes in the module but ${argsBytes(name)} in kernels/args.ts`,
      );
    }
  }
}

function describe(simd: SimdVariant, threads: number, singleReason: string, limitBytes: number): RunsOn {
  const simdText = simd === 'relaxed' ? 'relaxed SIMD (f32x4.relaxed_madd)' : 'SIMD128';
  const threadText = threads === 1 ? `1 thread${singleReason ? ` (${singleReason})` : ''}` : `${threads} threads`;
  return {
    api: 'wasm',
    device: 'cpu',
    description: `attnkit WebAssembly kernels, ${simdText}, ${threadText}`,
    details: { simd, threads, sharedMemory: !singleReason, maxMemoryBytes: limitBytes },
  };
}

function defaultThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const proc = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } } }
  ).process;
  if (proc?.versions?.node && typeof proc.getBuiltinModule === 'function') {
    const os = proc.getBuiltinModule('node:os') as { availableParallelism?: () => number; cpus: () => unknown[] };
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

function unavailable(reason: string): AttnkitError {
  return new AttnkitError('UNAVAILABLE', `wasm backend is unavailable: ${reason}`);
}
