import { AttnkitError } from '@attnkit/core';

/**
 * The allocator of the module's memory: every tensor, argument block and scratch area is a block of it.
 * Blocks are 16-byte aligned. Freed blocks go to an address-ordered free list and merge with their
 * neighbours, and a free block that reaches the top of the heap lowers the top, so a loop whose sizes
 * keep changing (a growing KV cache) reuses the same bytes instead of leaving one stale block per size.
 * The memory grows in 64 KiB pages up to `limitBytes`; past it an allocation throws DEVICE_LIMIT.
 * Best fit over a sorted list is O(free blocks), which stays small: a model holds hundreds of tensors.
 */
const ALIGN = 16;
const PAGE = 65536;

export interface HeapStats {
  /** Bytes in blocks handed out and not yet freed. */
  readonly usedBytes: number;
  /** Bytes below the top of the heap that are free for reuse. */
  readonly freeBytes: number;
  /** Size of the module's memory (it never shrinks). */
  readonly committedBytes: number;
  /** Highest `usedBytes` seen since creation or the last `resetPeak()`. */
  readonly peakUsedBytes: number;
}

interface Block {
  start: number;
  size: number;
}

export class Heap {
  private readonly free: Block[] = [];
  private readonly sizes = new Map<number, number>();
  private top: number;
  private used = 0;
  private peak = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    private readonly limitBytes: number,
  ) {
    this.top = roundUp(base, ALIGN);
  }

  /** Throws DEVICE_LIMIT, naming what the bytes were for, when the limit would be passed. */
  alloc(bytes: number, purpose: string): number {
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    let best = -1;
    for (let n = 0; n < this.free.length; n++) {
      if (this.free[n].size >= size && (best < 0 || this.free[n].size < this.free[best].size)) best = n;
    }
    let start: number;
    if (best >= 0) {
      const block = this.free[best];
      start = block.start;
      if (block.size - size >= ALIGN * 4) {
        block.start += size;
        block.size -= size;
      } else {
        this.free.splice(best, 1);
        this.sizes.set(start, block.size);
        this.account(block.size);
        return start;
      }
    } else {
      // No free block touches the top (release lowers the top instead), so new bytes start there.
      start = this.top;
      this.ensure(start + size, bytes, purpose);
      this.top = start + size;
    }
    this.sizes.set(start, size);
    this.account(size);
    return start;
  }

  release(start: number): void {
    const size = this.sizes.get(start);
    if (size === undefined) return;
    this.sizes.delete(start);
    this.used -= size;
    let n = 0;
    while (n < this.free.length && this.free[n].start < start) n++;
    const block: Block = { start, size };
    this.free.splice(n, 0, block);
    const next = this.free[n + 1];
    if (next && block.start + block.size === next.start) {
      block.size += next.size;
      this.free.splice(n + 1, 1);
    }
    const prev = this.free[n - 1];
    if (prev && prev.start + prev.size === block.start) {
      prev.size += block.size;
      this.free.splice(n, 1);
    }
    const last = this.free[this.free.length - 1];
    if (last && last.start + last.size === this.top) {
      this.top = last.start;
      this.free.pop();
    }
  }

  stats(): HeapStats {
    const freeBytes = this.free.reduce((sum, b) => sum + b.size, 0);
    return { usedBytes: this.used, freeBytes, committedBytes: this.memory.buffer.byteLength, peakUsedBytes: this.peak };
  }

  resetPeak(): void {
    this.peak = this.used;
  }

  private account(size: number): void {
    this.used += size;
    if (this.used > this.peak) this.peak = this.used;
  }

  private ensure(end: number, requested: number, purpose: string): void {
    if (end > this.limitBytes) {
      throw new AttnkitError(
        'DEVICE_LIMIT',
        `wasm: ${purpose} needs ${requested} bytes, but only ${this.limitBytes - this.used} of the memory limit of ${this.limitBytes} bytes are free (${this.used} in use)`,
        { argument: purpose, expected: `≤ ${this.limitBytes - this.used} bytes`, given: `${requested} bytes` },
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
  }
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
