import { AttnkitError } from '@attnkit/core';
import { USAGE } from './usage.js';

export interface PoolStats {
  /** Bytes of buffers handed out and not yet released. */
  readonly bytesInUse: number;
  /** Highest `bytesInUse` since creation or the last `resetPeak()`. */
  readonly peakBytes: number;
  /** Bytes of released buffers kept for reuse. */
  readonly bytesFree: number;
  readonly buffersInUse: number;
}

type Kind = 'storage' | 'uniform';
const USAGES: Record<Kind, number> = {
  storage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST,
  uniform: USAGE.UNIFORM | USAGE.COPY_DST,
};

/**
 * Buffers in power-of-two size classes, reused after release. Reuse is safe without fences because every
 * write and dispatch goes through the one queue in order. The pool keeps its own accounting: the
 * long-sequence test measures attention's extra memory with it.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly sizes = new Map<GPUBuffer, number>();
  private inUse = 0;
  private peak = 0;
  private freeBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBufferSize: number,
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
    if (buffer) this.freeBytes -= size;
    else buffer = this.device.createBuffer({ size, usage: USAGES[kind], label: key });
    this.sizes.set(buffer, size);
    this.inUse += size;
    this.peak = Math.max(this.peak, this.inUse);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const size = this.sizes.get(buffer);
    if (size === undefined) return;
    this.sizes.delete(buffer);
    this.inUse -= size;
    this.freeBytes += size;
    const key = buffer.label;
    const list = this.free.get(key) ?? [];
    list.push(buffer);
    this.free.set(key, list);
  }

  stats(): PoolStats {
    return { bytesInUse: this.inUse, peakBytes: this.peak, bytesFree: this.freeBytes, buffersInUse: this.sizes.size };
  }

  resetPeak(): void {
    this.peak = this.inUse;
  }

  /** Destroys every buffer, in use or free. */
  destroy(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    for (const b of this.sizes.keys()) b.destroy();
    this.free.clear();
    this.sizes.clear();
    this.inUse = 0;
    this.freeBytes = 0;
  }
}

/** At least 16 bytes (bindings may not be empty), then powers of two up to 1 MiB, then 1 MiB steps. */
function sizeClass(bytes: number): number {
  const n = Math.max(16, Math.ceil(bytes / 4) * 4);
  if (n <= 1 << 20) return 2 ** Math.ceil(Math.log2(n));
  return Math.ceil(n / (1 << 20)) * (1 << 20);
}
