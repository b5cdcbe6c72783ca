import {
  AttnkitError,
  type Backend,
  type BackendCapabilities,
  type BackendKernels,
  type DType,
  FULL_ATTENTION_CAPABILITIES,
  type HostArray,
  isAttnkitError,
  type MemoryInfo,
  type RunsOn,
  SPECIFICATION_VERSION,
  sizeOf,
} from '@attnkit/core';
import type { GPU } from 'gpu.js';
import type { GlContext } from './gl-context.js';
import type { TextureCounter } from './gl-textures.js';
import type { KernelCache, KernelStats, LaunchOptions } from './kernel-cache.js';
import { runAttention, statsSource } from './kernels/attention.js';
import { fitsPacked } from './kernels/attention-packed.js';
import { binarySource, copySource, scaleSource, unarySource } from './kernels/elementwise.js';
import type { Arg, Launch } from './kernels/launch.js';
import { concatArgs, concatSource, gatherSource, sliceArgs, sliceSource } from './kernels/layout.js';
import { matmulSource } from './kernels/matmul.js';
import {
  argmaxSource,
  layerNormSource,
  momentsSource,
  softmaxSource,
  takeAlongRowsSource,
  topKIndicesSource,
} from './kernels/rows.js';
import { GpujsTensor, type GpuValue, isTexture, Storage } from './tensor.js';

/** `memory()` of this backend: the live tensors, plus the GL textures and kernels that back them. */
export interface GpujsMemoryInfo extends MemoryInfo {
  /** GL textures alive on the context (null off WebGL): tensors' textures plus those the cached kernels hold. */
  readonly liveTextures: number | null;
  /** The kernel cache: compiled, alive, evicted (see KernelStats). */
  readonly kernels: KernelStats;
}

/** What this package's own tests reach; set by GpujsBackend's static block, not exported by index.ts. */
export let internals: (backend: GpujsBackend) => {
  /** Runs one kernel the way every call does (loss check, errors typed, nothing left behind on failure). */
  readonly launch: (source: string, size: number, args: readonly Arg[], options?: LaunchOptions) => Storage;
  /** Rewrites every source before it is built (null: off): how a test makes one kernel of a call fail. */
  beforeBuild(rewrite: ((source: string) => string) | null): void;
};

/** Float indices into textures are exact below 2^24, which bounds every tensor. */
const MAX_ELEMENTS = 2 ** 24;
/** Kernels whose sources name no size: one compiled kernel serves every shape. */
const DYNAMIC: LaunchOptions = { dynamic: true };
/** WebGL 1 guarantees 8 texture units per fragment shader; a longer concat is done in groups. */
const MAX_CONCAT_PARTS = 6;

export interface GpujsBackendParts {
  readonly name: string;
  readonly gpu: GPU;
  readonly ownsGpu: boolean;
  readonly cache: KernelCache;
  readonly runsOn: RunsOn;
  readonly textures: TextureCounter | null;
  /** The GL context (null off WebGL): whether it was lost, and how to destroy it when the backend owns it. */
  readonly context: GlContext | null;
  /** Packed (four floats per texel) kernels, on WebGL only: the fast attention path. */
  readonly packed: { readonly maxTextureSize: number } | null;
  /** A one-element texture standing in for tensors with no elements (WebGL has no empty texture). */
  readonly placeholder: Storage;
}

export class GpujsBackend implements Backend<GpujsTensor> {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly name: string;
  readonly runsOn: RunsOn;
  readonly capabilities: BackendCapabilities = {
    precisions: ['float32'],
    attention: FULL_ATTENTION_CAPABILITIES,
    maxTensorElements: MAX_ELEMENTS,
  };
  isDisposed = false;
  private readonly live = new Set<GpujsTensor>();
  readonly kernels: BackendKernels<GpujsTensor>;
  /** Textures made by the call in progress: freed if the call fails, so that a failure leaks nothing. */
  private made: Storage[] | null = null;
  private lost = false;

  static {
    internals = (backend) => ({
      launch: (source, size, args, options) =>
        backend.guard('launch', () => backend.launch(source, size, args, options)),
      beforeBuild: (rewrite) => {
        backend.parts.cache.beforeBuild = rewrite;
      },
    });
  }

  constructor(private readonly parts: GpujsBackendParts) {
    this.name = parts.name;
    this.runsOn = parts.runsOn;
    this.kernels = this.guarded(this.makeKernels());
  }

  /** Kernels built, reused, alive and evicted, and the time their first calls took (compile included). */
  kernelStats(): KernelStats {
    return this.parts.cache.info();
  }

  /** GL textures alive on the context (null off WebGL): the number a leak shows up in. */
  liveTextures(): number | null {
    return this.parts.textures?.live() ?? null;
  }

  /** Whether the GL context was lost: every later call throws DEVICE_LOST; create a new backend. */
  get isLost(): boolean {
    if (!this.lost && this.parts.context?.isLost()) this.lost = true;
    return this.lost;
  }

  dispose(): void {
    if (this.isDisposed) return;
    for (const t of this.live) this.release(t);
    this.live.clear();
    this.parts.placeholder.release();
    this.parts.cache.destroy();
    if (this.parts.ownsGpu) {
      // gpu.js destroys the context only through a kernel still on its list, and the cache has just
      // destroyed them all: the context goes here, or it would outlive the backend.
      this.parts.context?.destroy();
      void this.parts.gpu.destroy();
    }
    this.isDisposed = true;
  }

  /**
   * Every kernel entry point but dispose and memory, run through `guard`: a lost context answers DEVICE_LOST
   * before any work, and a failure mid-call frees what the call had made.
   */
  private guarded(kernels: BackendKernels<GpujsTensor>): BackendKernels<GpujsTensor> {
    const out: Record<string, unknown> = { ...kernels };
    for (const [name, fn] of Object.entries(kernels)) {
      if (name === 'dispose' || name === 'memory' || typeof fn !== 'function') continue;
      out[name] =
        name === 'read'
          ? async (t: GpujsTensor) => {
              this.checkAlive('read');
              try {
                return await fn(t);
              } catch (error) {
                throw this.typed('read', error);
              }
            }
          : (...args: unknown[]) => this.guard(name, () => fn(...args));
    }
    return out as unknown as BackendKernels<GpujsTensor>;
  }

  /**
   * Runs one call: DEVICE_LOST if the context is lost (checked again when a call fails, since a context
   * can go mid-call), and any other failure of gpu.js or GL (a kernel that does not compile, a driver
   * error) as BACKEND_FAILURE, after freeing every texture the call had made. The kernel cache keeps
   * nothing of a kernel that failed, so the backend serves other calls as before.
   */
  private guard<R>(op: string, fn: () => R): R {
    this.checkAlive(op);
    const outer = this.made;
    const made: Storage[] = [];
    this.made = made;
    try {
      return fn();
    } catch (error) {
      for (const s of made) while (s.isHeld) s.release();
      throw this.typed(op, error);
    } finally {
      this.made = outer;
      if (outer) outer.push(...made);
    }
  }

  /** An AttnkitError as it is; anything else as DEVICE_LOST if the context is gone, BACKEND_FAILURE if not. */
  private typed(op: string, error: unknown): AttnkitError {
    if (isAttnkitError(error)) return error;
    if (this.isLost) return this.lostError(op, error);
    return new AttnkitError('BACKEND_FAILURE', `gpu.js ${op} failed: ${messageOf(error)}`, { cause: error });
  }

  private checkAlive(op: string): void {
    if (this.isLost) throw this.lostError(op);
  }

  private lostError(op: string, cause?: unknown): AttnkitError {
    return new AttnkitError(
      'DEVICE_LOST',
      `gpu.js ${op}: the WebGL context was lost; its textures and kernels are gone, create a new backend`,
      { cause },
    );
  }

  private makeKernels(): BackendKernels<GpujsTensor> {
    const ninf = Number.NEGATIVE_INFINITY;
    const f32 = (shape: readonly number[], storage: Storage) => this.make(shape, 'float32', storage);
    const rowsStats = (x: GpujsTensor, width: number, rows: number) =>
      this.launch(statsSource(width), rows * 2, [x.storage, ninf]);
    return {
      upload: (data, shape, dtype) => this.make(shape, dtype, this.upload(data)),
      read: async (t) => this.read(t),
      dispose: (t) => {
        this.release(t);
        this.live.delete(t);
      },
      memory: (): GpujsMemoryInfo => {
        const storages = new Set([...this.live].map((t) => t.storage));
        let bytes = 0;
        for (const s of storages) bytes += s.elements * 4;
        return {
          liveTensors: this.live.size,
          liveBytes: bytes,
          liveTextures: this.liveTextures(),
          kernels: this.kernelStats(),
        };
      },
      attention: (inputs, plan) => {
        const r = runAttention(
          plan,
          {
            q: inputs.q.storage,
            k: inputs.k.storage,
            v: inputs.v.storage,
            mask: inputs.mask?.storage,
            pastKey: inputs.pastKey?.storage,
            pastValue: inputs.pastValue?.storage,
            kvValidLengths: inputs.kvValidLengths?.storage,
          },
          this.launcher(),
          this.parts.packed !== null && fitsPacked(plan, this.parts.packed.maxTextureSize),
        );
        return {
          y: f32(plan.yShape, r.y),
          ...(r.presentKey && { presentKey: f32(plan.presentKeyShape!, r.presentKey) }),
          ...(r.presentValue && { presentValue: f32(plan.presentValueShape!, r.presentValue) }),
          ...(r.scores && { scores: f32(plan.scoresShape!, r.scores) }),
        };
      },
      matmul: (a, b, bias, plan) =>
        f32(
          plan.outShape,
          this.launch(matmulSource(plan, bias !== null), sizeOf(plan.outShape), [
            a.storage,
            b.storage,
            ...(bias ? [bias.storage] : []),
          ]),
        ),
      binary: (op, a, b, plan) =>
        f32(plan.outShape, this.launch(binarySource(op, plan), sizeOf(plan.outShape), [a.storage, b.storage])),
      unary: (op, x) => f32(x.shape, this.launch(unarySource(op), x.elements, [x.storage], DYNAMIC)),
      scale: (x, factor) => f32(x.shape, this.launch(scaleSource(), x.elements, [x.storage, factor], DYNAMIC)),
      softmax: (x, plan, log) => {
        const stats = rowsStats(x, plan.width, plan.rows);
        const out = this.launch(softmaxSource(plan, log), x.elements, [x.storage, stats, ninf]);
        stats.release();
        return f32(x.shape, out);
      },
      layerNorm: (x, gamma, beta, epsilon, plan) => {
        const moments = this.launch(momentsSource(plan), plan.rows * 2, [x.storage, epsilon]);
        const out = this.launch(layerNormSource(plan), x.elements, [x.storage, moments, gamma.storage, beta.storage]);
        moments.release();
        return f32(x.shape, out);
      },
      gather: (table, ids, plan) =>
        f32(
          plan.outShape,
          this.launch(
            gatherSource(),
            plan.count * plan.width,
            [table.storage, ids.storage, plan.width, plan.vocabulary],
            DYNAMIC,
          ),
        ),
      concat: (tensors, plan) => this.make(plan.outShape, tensors[0].dtype, this.concat(tensors, plan.axis)),
      slice: (x, plan) =>
        this.make(
          plan.outShape,
          x.dtype,
          this.launch(sliceSource(), sizeOf(plan.outShape), [x.storage, ...sliceArgs(x.shape, plan)], DYNAMIC),
        ),
      reshape: (x, shape) => this.make(shape, x.dtype, x.storage.retain()),
      argmax: (x, plan) =>
        this.make(x.shape.slice(0, -1), 'int32', this.launch(argmaxSource(plan), plan.rows, [x.storage])),
      topK: (x, k, plan) => {
        const shape = [...x.shape.slice(0, -1), k];
        const indices = this.launch(topKIndicesSource(plan, k), plan.rows * k, [x.storage, Number.POSITIVE_INFINITY]);
        const values = this.launch(takeAlongRowsSource(plan, k), plan.rows * k, [x.storage, indices]);
        return { values: f32(shape, values), indices: this.make(shape, 'int32', indices) };
      },
    };
  }

  private launcher(): Launch {
    return (source, size, args, options) => this.launch(source, size, args, options);
  }

  /** Runs a kernel into a fresh immutable texture; an empty output runs nothing. */
  private launch(
    source: string,
    size: number | readonly [number, number],
    args: readonly Arg[],
    options?: LaunchOptions,
  ): Storage {
    const elements = typeof size === 'number' ? size : size[0] * size[1] * 4;
    if (elements === 0) return new Storage(null, 0);
    const values = args.map((a) => (a instanceof Storage ? (a.value ?? this.parts.placeholder.value) : a));
    const output = this.parts.cache.run(source, size, values, options);
    const result = output.value as GpuValue;
    let storage: Storage;
    if (isTexture(result)) storage = new Storage(result, elements, output.release);
    else {
      // cpu/webasm kernels return plain arrays; copy so that no later run can share them.
      storage = new Storage(Float32Array.from(result as ArrayLike<number>), elements);
      output.release();
    }
    this.made?.push(storage);
    return storage;
  }

  private upload(data: HostArray): Storage {
    let floats: Float32Array;
    if (data instanceof Float32Array) floats = data;
    else if (data instanceof Int32Array) {
      const bad = data.findIndex((v) => Math.abs(v) > MAX_ELEMENTS);
      if (bad >= 0) {
        throw new AttnkitError(
          'DEVICE_LIMIT',
          `upload: int32 value ${data[bad]} at ${bad} is outside ±2^24, the exact range of the float textures that hold it`,
          {
            argument: 'data',
            expected: `integers in [${-MAX_ELEMENTS}, ${MAX_ELEMENTS}]`,
            given: String(data[bad]),
          },
        );
      }
      floats = Float32Array.from(data);
    } else floats = Float32Array.from(data, (v) => (v ? 1 : 0));
    return this.launch(copySource(), floats.length, [floats], DYNAMIC);
  }

  private async read(t: GpujsTensor): Promise<HostArray> {
    const value = t.value;
    const n = t.elements;
    const floats =
      value === null
        ? new Float32Array(0)
        : Float32Array.from(isTexture(value) ? value.toArray() : value).subarray(0, n);
    // A context lost during the read-back gives zeros, not the data.
    this.checkAlive('read');
    if (t.dtype === 'float32') return floats.length === n ? floats : floats.slice(0, n);
    if (t.dtype === 'int32') return Int32Array.from(floats, (v) => Math.round(v));
    return Uint8Array.from(floats, (v) => (v !== 0 ? 1 : 0));
  }

  private concat(tensors: readonly GpujsTensor[], axis: number): Storage {
    const shapes = tensors.map((t) => t.shape);
    let parts = tensors.map((t) => ({ storage: t.storage, shape: t.shape }));
    const owned: Storage[] = [];
    while (parts.length > MAX_CONCAT_PARTS) {
      const group = parts.slice(0, MAX_CONCAT_PARTS);
      const shape = group[0].shape.map((d, j) => (j === axis ? group.reduce((s, p) => s + p.shape[axis], 0) : d));
      const merged = this.launchConcat(group, shape, axis);
      owned.push(merged);
      parts = [{ storage: merged, shape }, ...parts.slice(MAX_CONCAT_PARTS)];
    }
    const outShape = shapes[0].map((d, j) => (j === axis ? shapes.reduce((s, shape) => s + shape[axis], 0) : d));
    const out = this.launchConcat(parts, outShape, axis);
    for (const s of owned) s.release();
    return out;
  }

  private launchConcat(
    parts: readonly { storage: Storage; shape: readonly number[] }[],
    outShape: readonly number[],
    axis: number,
  ): Storage {
    const inner = outShape.slice(axis + 1).reduce((x, y) => x * y, 1);
    const lengths = parts.map((p) => p.shape[axis]);
    return this.launch(
      concatSource(parts.length),
      sizeOf(outShape),
      [...parts.map((p) => p.storage), ...concatArgs(lengths, inner)],
      DYNAMIC,
    );
  }

  private make(shape: readonly number[], dtype: DType, storage: Storage): GpujsTensor {
    const t = new GpujsTensor(this, [...shape], dtype, storage);
    this.live.add(t);
    return t;
  }

  private release(t: GpujsTensor): void {
    if (t.isDisposed) return;
    t.isDisposed = true;
    t.storage.release();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
