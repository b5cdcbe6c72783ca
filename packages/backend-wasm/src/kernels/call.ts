import { type DType, sizeOf } from '@attnkit/core';
import type { Heap } from '../runtime/heap.js';
import type { KernelExports, ThreadPool } from '../runtime/threads.js';
import { WasmTensor } from '../tensor.js';
import { type Args, argsBytes, KERNEL_IDS, type KernelName, writeArgs } from './args.js';

/** What a call needs from its backend. */
export interface CallContext {
  readonly owner: object;
  readonly memory: WebAssembly.Memory;
  readonly heap: Heap;
  readonly pool: ThreadPool;
  readonly exports: KernelExports;
  readonly live: Set<WasmTensor>;
}

/**
 * Below this many floating-point operations a job runs on the calling thread alone: waking the workers
 * costs tens of microseconds, more than a small matmul or a decode step of a tiny model takes.
 */
const PARALLEL_MIN_FLOPS = 200_000;

/**
 * One kernel call's allocations. Outputs and temporaries are all allocated before the kernel runs, so a
 * call that would pass the memory limit throws DEVICE_LIMIT before any work; `end(ok)` frees the
 * temporaries, and the outputs too when the call failed, so nothing leaks either way.
 */
export class Call {
  private readonly temps: number[] = [];
  private readonly outputs: WasmTensor[] = [];

  constructor(private readonly context: CallContext) {}

  get exports(): KernelExports {
    return this.context.exports;
  }

  get threads(): number {
    return this.context.pool.threads;
  }

  /** Threads for a job of `flops` operations split into `units` units. */
  threadsFor(flops: number, units: number): number {
    return flops < PARALLEL_MIN_FLOPS ? 1 : Math.max(1, Math.min(this.threads, units));
  }

  output<D extends DType>(shape: readonly number[], dtype: D): WasmTensor<D> {
    const size = sizeOf(shape);
    const ptr = this.context.heap.alloc(dtype === 'bool' ? size : size * 4, `an output of shape [${shape.join(',')}]`);
    const tensor = new WasmTensor(this.context.owner, [...shape], dtype, ptr, size);
    this.outputs.push(tensor);
    return tensor;
  }

  temp(bytes: number, purpose: string): number {
    const ptr = this.context.heap.alloc(bytes, purpose);
    this.temps.push(ptr);
    return ptr;
  }

  /** A temporary holding `values` as float32. */
  floats(values: ArrayLike<number>, purpose: string): number {
    const ptr = this.temp(values.length * 4, purpose);
    this.f32().set(values, ptr / 4);
    return ptr;
  }

  /** A temporary holding `values` as int32. */
  ints(values: ArrayLike<number>, purpose: string): number {
    const ptr = this.temp(values.length * 4, purpose);
    this.i32().set(values, ptr / 4);
    return ptr;
  }

  /** An int32 tensor's elements, as a view (valid until the next allocation). */
  int32(tensor: WasmTensor): Int32Array {
    return new Int32Array(this.context.memory.buffer, tensor.ptr, tensor.size);
  }

  f32(): Float32Array {
    return new Float32Array(this.context.memory.buffer);
  }

  i32(): Int32Array {
    return new Int32Array(this.context.memory.buffer);
  }

  u8(): Uint8Array {
    return new Uint8Array(this.context.memory.buffer);
  }

  run<K extends KernelName>(kernel: K, threads: number, args: Args<K>): void {
    const at = this.temp(argsBytes(kernel), `the ${kernel} arguments`);
    writeArgs(this.context.memory.buffer, at, kernel, args);
    this.context.pool.run(KERNEL_IDS[kernel], at, threads);
  }

  end(ok: boolean): void {
    for (const ptr of this.temps) this.context.heap.release(ptr);
    for (const t of this.outputs) {
      if (ok) this.context.live.add(t);
      else this.context.heap.release(t.ptr);
    }
  }
}
