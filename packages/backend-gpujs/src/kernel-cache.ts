import type { GPU, IKernelRunShortcut } from 'gpu.js';
import { keepDrawingBuffer } from './drawing-buffer.js';
import { fetch4Native } from './packed-fetch.js';

/** gpu.js settings shared by every kernel: textures in, a fresh immutable float texture out. */
const SETTINGS = {
  pipeline: true,
  immutable: true,
  precision: 'single',
  tactic: 'precision',
} as const;

/**
 * Kernels kept compiled, least recently used first out. Translating with the zoo's models (numbers-en-fr,
 * g2p-cmudict; 40 new tokens) builds 36 distinct kernels greedy and 57 with beam search, and a repeat builds
 * none, so 256 holds such a working set four times over (no recompiles in a steady loop), while what the
 * cache can pin stays bounded: a GL program plus, per kernel, its last output texture and its host-array
 * arguments' textures.
 */
export const DEFAULT_KERNEL_CACHE_SIZE = 256;

/**
 * Bytes the cached kernels may keep between calls: their programs and their textures. gpu.js keeps, per
 * kernel, its last output texture (an immutable kernel's result is a clone sharing it) and a texture per
 * host-array argument, and a float32 tensor of n values is a texture of 16n bytes; the driver keeps each
 * program's compiled code (KERNEL_PROGRAM_BYTES). With the count bound alone, 256 kernels held ~160 MiB of
 * programs, and more of textures when they last ran at a grown KV cache's size. Past this many bytes, least
 * recently used kernels give back their textures and then go (never the one just run).
 */
export const DEFAULT_KERNEL_CACHE_BYTES = 48 * 2 ** 20;

/**
 * What one compiled kernel's program costs: 0.62 MiB of RSS per live kernel, measured on llvmpipe (headless-gl)
 * with 256 small matmul kernels alive; a hardware driver keeps its compiled code too.
 */
export const KERNEL_PROGRAM_BYTES = 640 * 2 ** 10;

/**
 * Kernels run within this many calls are never destroyed to meet the byte bound (only the count bound can):
 * a decode step's working set runs every step, and destroying part of it would rebuild it at every step (a
 * 2,048-step beam search compiled 4,133 kernels that way). The bound is then the larger of kernelCacheBytes
 * and what the last calls use.
 */
const RECENT_CALLS = 128;

/** A float texel (RGBA, 32 bits each): gpu.js's single-precision, unpacked textures hold one value per texel. */
const TEXEL_BYTES = 16;

/** A loop in a kernel source (gpu.js bounds the ones with a non-literal bound by LOOP_MAX). */
const LOOP = /\b(for|while)\s*\(/;

/** gpu.js's own LOOP_MAX, the smallest bound a kernel with a loop over a length uniform is built for. */
const MIN_LOOP_BOUND = 1024;

export interface KernelStats {
  /** Kernels built since the backend was created (one per source, plus output size for fixed-size kernels). */
  readonly compiled: number;
  /** Calls served by a kernel that was already built. */
  readonly reused: number;
  /** Wall time of first calls, which include gpu.js's translation and the GL compile and link. */
  readonly compileMs: number;
  /** Kernels alive now: the cached ones, plus evicted ones whose output textures are still held. */
  readonly live: number;
  /** Kernels pushed out of the cache since the backend was created: by the LRU bound, or replaced by a build of the same source for longer loops. */
  readonly evicted: number;
  /** Kernels whose build failed (translation, GL compile or link); none of them is kept. */
  readonly failed: number;
  /** The bound on cached kernels. */
  readonly capacity: number;
  /** Bytes the cached kernels keep between calls: KERNEL_PROGRAM_BYTES each, plus their textures' sizes. */
  readonly retainedBytes: number;
  /** The bound on `retainedBytes`. */
  readonly byteCapacity: number;
}

export interface LaunchOptions {
  /**
   * The source reads every size it depends on from its arguments (uniforms), so one compiled kernel serves
   * every output and argument size: built with gpu.js's dynamicOutput and dynamicArguments and cached by
   * source alone. A fixed-size kernel (the default) bakes its sizes and is cached per output size.
   */
  readonly dynamic?: boolean;
  /**
   * The most iterations any loop whose bound is a uniform may run. gpu.js compiles such a loop to
   * `for (i < LOOP_MAX) { if (!test) break; … }`, so LOOP_MAX is set to this rounded up to a power of two
   * (at least 1024): a kernel with a loop is rebuilt (and its old build dropped) only when a length passes a
   * power of two above 1024.
   */
  readonly loops?: number;
}

/** A kernel's result, and the call that gives it back once nothing reads it any more. */
export interface KernelOutput {
  readonly value: unknown;
  readonly release: () => void;
}

interface Entry {
  readonly key: string;
  readonly kernel: IKernelRunShortcut;
  /** Built with dynamicOutput: resized (setOutput, no rebuild) when a call's output differs from `output`. */
  readonly dynamic: boolean;
  /** LOOP_MAX it was built with (0: gpu.js's default), for loops over a length uniform. */
  readonly loopMax: number;
  output: number[];
  /** Outputs of this kernel still held (textures gpu.js ties to the kernel that made them). */
  outstanding: number;
  /** Out of the cache; destroyed as soon as `outstanding` reaches 0. */
  evicted: boolean;
  /** Bytes it keeps after a call: its program, its output texture and its host-array arguments' textures. */
  bytes: number;
  /** The host-array arguments' part of `bytes`. */
  argumentBytes: number;
  /** The cache's call count at its last call. */
  lastCall: number;
}

/**
 * gpu.js translates and compiles a kernel on its first call. The source (plus, for a fixed-size kernel, the
 * output size) is the cache key, and every later call with the same key reuses the compiled program.
 *
 * The cache holds at most `capacity` kernels, least recently used out first, and destroying a kernel frees
 * its program, its output texture and its argument textures and host copies. gpu.js ties every texture a
 * kernel returned to that kernel (a texture's `delete()` goes through it, and `destroy()` deletes the first
 * one it made), so an evicted kernel whose outputs are still held is kept, outside the cache, until the last
 * of them is released.
 */
export class KernelCache {
  private readonly kernels = new Map<string, Entry>();
  /** Evicted kernels kept until their outputs are released. */
  private readonly zombies = new Set<Entry>();
  private stats = { compiled: 0, reused: 0, compileMs: 0, evicted: 0, failed: 0 };
  /** Σ bytes of the cached kernels (zombies are not counted: they go once their outputs are released). */
  private retained = 0;
  /** Calls run through the cache. */
  private calls = 0;
  /** Test hook (the package's fault tests): rewrites a source just before gpu.js builds it. */
  beforeBuild: ((source: string) => string) | null = null;

  /** `fetch4`: GLSL of the packed-texel read (see packed-fetch.ts), added to kernels that call it. */
  constructor(
    private readonly gpu: GPU,
    private readonly fetch4: string | null = null,
    readonly capacity = DEFAULT_KERNEL_CACHE_SIZE,
    readonly byteCapacity = DEFAULT_KERNEL_CACHE_BYTES,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be ≥ 1, got ${capacity}`);
    if (!(byteCapacity >= 0)) throw new RangeError(`byteCapacity must be ≥ 0, got ${byteCapacity}`);
  }

  /**
   * `size`: a flat output of that many elements, or a 2D [width, height] output. Throws what gpu.js threw
   * when the kernel cannot be built (nothing of it is kept) or run.
   */
  run(
    source: string,
    size: number | readonly [number, number],
    args: readonly unknown[],
    options: LaunchOptions = {},
  ): KernelOutput {
    const output = typeof size === 'number' ? [size] : [...size];
    // LOOP_MAX matters only to a source with a loop (a literal bound ignores it).
    const loopMax = options.loops === undefined || !LOOP.test(source) ? 0 : loopBound(options.loops);
    // A fixed-size kernel bakes its arguments' texture sizes too (gpu.js static arguments), so they are part
    // of its key: a texture of another size would otherwise be read with the wrong ones, silently. A dynamic
    // kernel is one per source: one built for a larger LOOP_MAX serves every shorter length, and one built
    // for a smaller LOOP_MAX is replaced (so a growing cache holds one kernel per source, not one per bucket).
    const key = options.dynamic
      ? `dynamic|${source}`
      : `${output.join('x')}(${args.map(argumentSize).join(',')})|${loopMax}|${source}`;
    const cached = this.kernels.get(key);
    if (cached && cached.loopMax >= loopMax) {
      this.kernels.delete(key);
      this.kernels.set(key, cached);
      this.stats.reused++;
      const result = this.call(cached, output, args);
      this.account(cached, args);
      this.evictBeyond(this.capacity, cached);
      return result;
    }
    if (cached) this.evict(cached);
    const start = now();
    const natives = this.fetch4 && source.includes('fetch4(') ? { nativeFunctions: [fetch4Native(this.fetch4)] } : {};
    const kernel = this.gpu.createKernel(this.beforeBuild ? this.beforeBuild(source) : source, {
      ...SETTINGS,
      ...natives,
      dynamicOutput: options.dynamic === true,
      dynamicArguments: options.dynamic === true,
      ...(loopMax && { loopMaxIterations: loopMax }),
      output,
    } as never);
    keepDrawingBuffer(kernel);
    const entry: Entry = {
      key,
      kernel,
      dynamic: options.dynamic === true,
      loopMax,
      output,
      outstanding: 0,
      evicted: false,
      bytes: 0,
      argumentBytes: 0,
      lastCall: 0,
    };
    let result: KernelOutput;
    try {
      result = this.call(entry, output, args);
    } catch (error) {
      this.stats.failed++;
      destroyQuietly(kernel);
      throw error;
    }
    this.stats.compiled++;
    this.stats.compileMs += now() - start;
    this.kernels.set(key, entry);
    this.account(entry, args);
    this.evictBeyond(this.capacity, entry);
    return result;
  }

  /** The first kernel built: its `kernel` field is the class gpu.js really chose. */
  first(): IKernelRunShortcut | undefined {
    return this.kernels.values().next().value?.kernel;
  }

  info(): KernelStats {
    return {
      ...this.stats,
      live: this.kernels.size + this.zombies.size,
      capacity: this.capacity,
      retainedBytes: this.retained,
      byteCapacity: this.byteCapacity,
    };
  }

  /** Destroys every kernel, held outputs or not: the backend's dispose, after it released every texture. */
  destroy(): void {
    for (const entry of [...this.kernels.values(), ...this.zombies]) destroyQuietly(entry.kernel);
    this.kernels.clear();
    this.zombies.clear();
    this.retained = 0;
  }

  private call(entry: Entry, output: number[], args: readonly unknown[]): KernelOutput {
    const { kernel } = entry;
    entry.lastCall = ++this.calls;
    try {
      if (entry.dynamic && !sameOutput(entry.output, output)) {
        kernel.setOutput(output);
        entry.output = output;
      }
      const value = kernel(...(args as never[]));
      // gpu.js may have switched to a new kernel object (new argument types): keep it off the drawing buffer too.
      keepDrawingBuffer(kernel);
      return { value, release: this.holder(entry, value) };
    } catch (error) {
      // A kernel that threw is not trusted again: out of the cache (destroyed once nothing holds its outputs).
      if (this.kernels.get(entry.key) === entry) this.evict(entry);
      throw error;
    }
  }

  /** Counts a texture output against its kernel; the returned call gives it back (once). */
  private holder(entry: Entry, value: unknown): () => void {
    if (!isTexture(value)) return () => {};
    entry.outstanding++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      entry.outstanding--;
      if (entry.evicted && entry.outstanding === 0 && this.zombies.delete(entry)) destroyQuietly(entry.kernel);
    };
  }

  /** Re-estimates what `entry` keeps after a call (its output may have been resized, its arguments too). */
  private account(entry: Entry, args: readonly unknown[]): void {
    entry.argumentBytes = hostArgumentBytes(args);
    this.setBytes(entry, KERNEL_PROGRAM_BYTES + outputBytes(entry.kernel) + entry.argumentBytes);
  }

  private setBytes(entry: Entry, bytes: number): void {
    this.retained += bytes - entry.bytes;
    entry.bytes = bytes;
  }

  /**
   * Least recently used first, never `keep` (the kernel whose output the caller is about to get, exempt from
   * the byte bound: the other kernels keep at most byteCapacity bytes). Past the count bound a kernel is
   * destroyed. Past the byte bound dynamic kernels first give their output textures back (resized to one
   * texel: no rebuild, the next call resizes them again), and only then are kernels destroyed, those not run
   * in the last RECENT_CALLS calls (the working set stays, even past the bound). Shrinking
   * matters: a beam search alternates a grown cache's concat and gather, and destroying either would rebuild
   * it at every step.
   */
  private evictBeyond(capacity: number, keep: Entry): void {
    const others = () => this.retained - keep.bytes;
    for (const entry of this.kernels.values()) {
      if (this.kernels.size <= capacity) break;
      if (entry !== keep) this.evict(entry);
    }
    if (others() <= this.byteCapacity) return;
    for (const entry of this.kernels.values()) {
      if (entry !== keep && entry.dynamic && this.shrink(entry) && others() <= this.byteCapacity) return;
    }
    for (const entry of this.kernels.values()) {
      // Least recently used first: from the first recent one on, every kernel is part of the working set.
      if (others() <= this.byteCapacity || this.calls - entry.lastCall < RECENT_CALLS) return;
      if (entry !== keep) this.evict(entry);
    }
  }

  /** Resizes a dynamic kernel's output to one texel, freeing its texture; false when it was already that small. */
  private shrink(entry: Entry): boolean {
    if (entry.output.length === 1 && entry.output[0] === 1) return false;
    try {
      entry.kernel.setOutput([1]);
      entry.output = [1];
    } catch {
      return false;
    }
    this.setBytes(entry, KERNEL_PROGRAM_BYTES + outputBytes(entry.kernel) + entry.argumentBytes);
    return true;
  }

  private evict(entry: Entry): void {
    this.kernels.delete(entry.key);
    this.retained -= entry.bytes;
    entry.evicted = true;
    this.stats.evicted++;
    if (entry.outstanding === 0) destroyQuietly(entry.kernel);
    else this.zombies.add(entry);
  }
}

/** The output texture's bytes (gpu.js's `texSize`). */
function outputBytes(kernel: IKernelRunShortcut): number {
  const texSize = (kernel as unknown as { kernel?: { texSize?: readonly number[] } }).kernel?.texSize;
  return texSize ? texSize[0] * texSize[1] * TEXEL_BYTES : 0;
}

/** A texture per host-array argument (gpu.js uploads each into one). */
function hostArgumentBytes(args: readonly unknown[]): number {
  let texels = 0;
  for (const arg of args) if (ArrayBuffer.isView(arg)) texels += (arg as unknown as ArrayLike<number>).length;
  return texels * TEXEL_BYTES;
}

/** LOOP_MAX for loops of up to `iterations`: a power of two, so that growing lengths rebuild rarely. */
function loopBound(iterations: number): number {
  return Math.max(MIN_LOOP_BOUND, 2 ** Math.ceil(Math.log2(Math.max(iterations, 1))));
}

function sameOutput(current: readonly number[], wanted: readonly number[]): boolean {
  if (current.length !== wanted.length) return false;
  for (let n = 0; n < wanted.length; n++) if (current[n] !== wanted[n]) return false;
  return true;
}

/** What a fixed-size kernel bakes of an argument: a texture's size, a host array's length. */
function argumentSize(arg: unknown): string {
  if (typeof arg !== 'object' || arg === null) return '';
  const size = (arg as { size?: ArrayLike<number> }).size;
  if (size) return `${size[0]}x${size[1]}`;
  return String((arg as { length?: number }).length ?? '');
}

function isTexture(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { delete?: unknown }).delete === 'function';
}

/** A kernel's destroy() after its context was lost (or a half-built one's) must not take the backend down. */
function destroyQuietly(kernel: IKernelRunShortcut): void {
  try {
    kernel.destroy();
  } catch {
    // Nothing left to free: the context went first.
  }
}

/** performance.now() where there is one (browsers, Node), Date.now() otherwise; no DOM or Node types needed. */
function now(): number {
  const clock = (globalThis as { performance?: { now(): number } }).performance;
  return clock ? clock.now() : Date.now();
}
