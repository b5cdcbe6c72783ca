import { AttnkitError } from '@attnkit/core';
import { USAGE } from './usage.js';

export interface PoolStats {
  /** Bytes of buffers handed out and not yet released. */
  readonly bytesInUse: number;
  /** Highest `bytesInUse` since creation or the last `resetPeak()`. */
  readonly peakBytes: number;
  /** Bytes of released buffers kept for reuse: at most `freeCapBytes`. */
  readonly bytesFree: number;
  readonly buffersInUse: number;
  readonly buffersFree: number;
  /** The cap on `bytesFree` (`createBackend({ poolFreeBytes })`); released buffers beyond it are destroyed. */
  readonly freeCapBytes: number;
  /** Bytes of free buffers destroyed to keep under the cap, since creation. */
  readonly bytesTrimmed: number;
}

/**
 * The default cap on the pool's free bytes, by adapter: 64 MiB on a GPU, 16 MiB on a software adapter.
 *
 * Why not less on a GPU: reuse pays for the scratch one call allocates and releases again, and the largest such
 * scratch is attention's split-keys partials, which the tuner keeps under 32 MiB; 64 MiB holds them with a decode
 * step's activations beside them, so a decode loop does not create and zero a 32 MiB buffer every step. A software
 * adapter never splits keys, and there free buffers are process memory (RSS): 16 MiB holds a decode step's
 * activations of the models here many times over.
 *
 * Why a cap at all: a growing KV cache leaves one dead buffer per size class it passes through (classes are
 * 1 MiB apart above 1 MiB, so that adds up quadratically: 36 MiB after 1,000 steps of a [1,8,t,128] cache). Raise
 * it with `createBackend({ poolFreeBytes })` when a model's per-step working set is larger (every layer's cache).
 */
export const DEFAULT_POOL_FREE_BYTES: { readonly gpu: number; readonly software: number } = {
  gpu: 64 * 1024 * 1024,
  software: 16 * 1024 * 1024,
};

type Kind = 'storage' | 'uniform';
const USAGES: Record<Kind, number> = {
  storage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST,
  uniform: USAGE.UNIFORM | USAGE.COPY_DST,
};

/**
 * Buffers in power-of-two size classes, reused after release. Reuse is safe without fences because every
 * write and dispatch goes through the one queue in order. The pool keeps its own accounting: the
 * long-sequence test measures attention's extra memory with it.
 *
 * Free buffers are kept up to `freeCap` bytes: past it, the ones released longest ago are destroyed first (a
 * size class a growing cache has left behind is never asked for again). Destroying a buffer that submitted work
 * still reads is safe: WebGPU keeps it until that work is done.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  /** Every free buffer with its size class key, oldest release first (a Map keeps insertion order). */
  private readonly released = new Map<GPUBuffer, string>();
  private readonly sizes = new Map<GPUBuffer, number>();
  private inUse = 0;
  private peak = 0;
  private freeBytes = 0;
  private trimmed = 0;
  /** Buffers acquired since beginCall(), for rollbackCall(); null outside a call. */
  private callAcquired: GPUBuffer[] | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBufferSize: number,
    readonly freeCap: number,
  ) {}

  acquire(bytes: number, kind: Kind = 'storage'): GPUBuffer {
    const size = sizeClass(bytes);
    if (size > this.maxBufferSize) {
      throw new AttnkitError(
        'DEVICE_LIMIT',
        `webgpu: a buffer of ${bytes} bytes exceeds the device's maxBufferSize ${this.maxBufferSize}`,
        {
          expected: `≤ ${this.maxBufferSize} bytes`,
          given: `${bytes} bytes`,
        },
      );
    }
    const key = `${kind}:${size}`;
    let buffer = this.free.get(key)?.pop();
    if (buffer) {
      this.freeBytes -= size;
      this.released.delete(buffer);
    } else buffer = this.device.createBuffer({ size, usage: USAGES[kind], label: key });
    this.sizes.set(buffer, size);
    this.callAcquired?.push(buffer);
    this.inUse += size;
    this.peak = Math.max(this.peak, this.inUse);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const size = this.sizes.get(buffer);
    if (size === undefined) return;
    this.sizes.delete(buffer);
    this.inUse -= size;
    const key = buffer.label;
    if (size > this.freeCap) {
      buffer.destroy();
      this.trimmed += size;
      return;
    }
    this.freeBytes += size;
    const list = this.free.get(key) ?? [];
    list.push(buffer);
    this.free.set(key, list);
    this.released.set(buffer, key);
    this.trim(this.freeCap);
  }

  /** Destroys the free buffers released longest ago until at most `maxFree` bytes stay free. */
  trim(maxFree = 0): void {
    for (const [buffer, key] of this.released) {
      if (this.freeBytes <= maxFree) break;
      // The oldest free buffer overall is the oldest of its class: lists grow at the end and reuse from it.
      const list = this.free.get(key)!;
      list.shift();
      if (list.length === 0) this.free.delete(key);
      this.released.delete(buffer);
      const size = sizeOfKey(key);
      this.freeBytes -= size;
      this.trimmed += size;
      buffer.destroy();
    }
  }

  /** Starts recording the buffers one kernel call acquires. */
  beginCall(): void {
    this.callAcquired = [];
  }

  endCall(): void {
    this.callAcquired = null;
  }

  /** The call failed: releases every buffer it acquired that is still in use. */
  rollbackCall(): void {
    const acquired = this.callAcquired ?? [];
    this.callAcquired = null;
    for (const buffer of acquired) this.release(buffer);
  }

  stats(): PoolStats {
    return {
      bytesInUse: this.inUse,
      peakBytes: this.peak,
      bytesFree: this.freeBytes,
      buffersInUse: this.sizes.size,
      buffersFree: this.released.size,
      freeCapBytes: this.freeCap,
      bytesTrimmed: this.trimmed,
    };
  }

  resetPeak(): void {
    this.peak = this.inUse;
  }

  /** Destroys every buffer, in use or free. */
  destroy(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    for (const b of this.sizes.keys()) b.destroy();
    this.free.clear();
    this.released.clear();
    this.sizes.clear();
    this.inUse = 0;
    this.freeBytes = 0;
  }
}

function sizeOfKey(key: string): number {
  return Number(key.slice(key.indexOf(':') + 1));
}

/** At least 16 bytes (bindings may not be empty), then powers of two up to 1 MiB, then 1 MiB steps. */
function sizeClass(bytes: number): number {
  const n = Math.max(16, Math.ceil(bytes / 4) * 4);
  if (n <= 1 << 20) return 2 ** Math.ceil(Math.log2(n));
  return Math.ceil(n / (1 << 20)) * (1 << 20);
}
