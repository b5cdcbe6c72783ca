import {
  AttnkitError,
  type Backend,
  type BackendCapabilities,
  type BackendKernels,
  type DType,
  FULL_ATTENTION_CAPABILITIES,
  type HostArray,
  type RunsOn,
  SPECIFICATION_VERSION,
  sizeOf,
} from '@attnkit/core';
import type { GPU } from 'gpu.js';
import type { TextureCounter } from './gl-textures.js';
import type { KernelCache, KernelStats } from './kernel-cache.js';
import { runAttention, statsSource } from './kernels/attention.js';
import { fitsPacked } from './kernels/attention-packed.js';
import { binarySource, copySource, scaleSource, unarySource } from './kernels/elementwise.js';
import type { Arg, Launch } from './kernels/launch.js';
import { concatSource, gatherSource, sliceSource } from './kernels/layout.js';
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

/** Float indices into textures are exact below 2^24, which bounds every tensor. */
const MAX_ELEMENTS = 2 ** 24;
/** WebGL 1 guarantees 8 texture units per fragment shader; a longer concat is done in groups. */
const MAX_CONCAT_PARTS = 6;

export interface GpujsBackendParts {
  readonly name: string;
  readonly gpu: GPU;
  readonly ownsGpu: boolean;
  readonly cache: KernelCache;
  readonly runsOn: RunsOn;
  readonly textures: TextureCounter | null;
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

  constructor(private readonly parts: GpujsBackendParts) {
    this.name = parts.name;
    this.runsOn = parts.runsOn;
    this.kernels = this.makeKernels();
  }

  /** Kernels built and reused, and the time their first calls took (compile included). */
  kernelStats(): KernelStats {
    return this.parts.cache.info();
  }

  /** GL textures alive on the context (null off WebGL): the number a leak shows up in. */
  liveTextures(): number | null {
    return this.parts.textures?.live() ?? null;
  }

  dispose(): void {
    if (this.isDisposed) return;
    for (const t of this.live) this.release(t);
    this.live.clear();
    this.parts.placeholder.release();
    this.parts.cache.destroy();
    if (this.parts.ownsGpu) void this.parts.gpu.destroy();
    this.isDisposed = true;
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
      memory: () => {
        const storages = new Set([...this.live].map((t) => t.storage));
        let bytes = 0;
        for (const s of storages) bytes += s.elements * 4;
        return { liveTensors: this.live.size, liveBytes: bytes };
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
      unary: (op, x) => f32(x.shape, this.launch(unarySource(op), x.elements, [x.storage])),
      scale: (x, factor) => f32(x.shape, this.launch(scaleSource(), x.elements, [x.storage, factor])),
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
        f32(plan.outShape, this.launch(gatherSource(plan), plan.count * plan.width, [table.storage, ids.storage])),
      concat: (tensors, plan) => this.make(plan.outShape, tensors[0].dtype, this.concat(tensors, plan.axis)),
      slice: (x, plan) =>
        this.make(plan.outShape, x.dtype, this.launch(sliceSource(x.shape, plan), sizeOf(plan.outShape), [x.storage])),
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
    return (source, size, args) => this.launch(source, size, args);
  }

  /** Runs a kernel into a fresh immutable texture; an empty output runs nothing. */
  private launch(source: string, size: number | readonly [number, number], args: readonly Arg[]): Storage {
    const elements = typeof size === 'number' ? size : size[0] * size[1] * 4;
    if (elements === 0) return new Storage(null, 0);
    const values = args.map((a) => (a instanceof Storage ? (a.value ?? this.parts.placeholder.value) : a));
    const result = this.parts.cache.run(source, size, values) as GpuValue;
    // cpu/webasm kernels return plain arrays; copy so that no later run can share them.
    return new Storage(isTexture(result) ? result : Float32Array.from(result as ArrayLike<number>), elements);
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
    return this.launch(copySource(), floats.length, [floats]);
  }

  private async read(t: GpujsTensor): Promise<HostArray> {
    const value = t.value;
    const n = t.elements;
    const floats =
      value === null
        ? new Float32Array(0)
        : Float32Array.from(isTexture(value) ? value.toArray() : value).subarray(0, n);
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
    const source = concatSource(
      { axis, outShape },
      parts.map((p) => p.shape[axis]),
    );
    return this.launch(
      source,
      sizeOf(outShape),
      parts.map((p) => p.storage),
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
