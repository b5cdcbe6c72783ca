import type {
  AttentionPlan,
  CausalAlignment,
  DeviceAttentionInputs,
  DeviceAttentionOutputs,
  Precision,
  ScoresOutputMode,
} from './attention.js';
import type {
  BinaryOp,
  BroadcastPlan,
  ConcatPlan,
  GatherPlan,
  MatmulPlan,
  RowsPlan,
  SlicePlan,
  TopKResult,
  UnaryOp,
} from './primitives.js';
import type { DeviceTensor, DType, HostArray } from './tensor.js';

/**
 * A backend computes the contract on one device. It is created by its package's factory, declares what
 * it supports and what it runs on, and implements `kernels`. Callers never call kernels directly: they go
 * through core (`attention()`, `createDevice()`), which validates every call once and passes the backend a
 * resolved plan. A backend therefore contains kernels, not checks.
 */
export const SPECIFICATION_VERSION = 'attnkit-backend-v1' as const;

export interface Backend<T extends DeviceTensor = DeviceTensor> {
  readonly specificationVersion: typeof SPECIFICATION_VERSION;
  /** Stable identifier, e.g. `reference`, `tfjs-wasm`, `webgpu`, `gpujs-webgl`. */
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /** What the backend really runs on: never a guess, never a silent fallback. */
  readonly runsOn: RunsOn;
  readonly kernels: BackendKernels<T>;
  readonly isDisposed: boolean;
  /** Releases every tensor, buffer, texture and pipeline the backend owns. Idempotent. */
  dispose(): void;
}

export interface RunsOn {
  /** The API the kernels are written against. */
  readonly api: 'javascript' | 'tfjs' | 'webgpu' | 'webgl' | 'wasm' | (string & {});
  readonly device: 'cpu' | 'gpu' | 'software-gpu' | 'unknown';
  /** One line for people, e.g. `SwiftShader Vulkan (Google), fallback adapter`. */
  readonly description: string;
  /** Raw facts: adapter info, renderer strings, tfjs backend name. */
  readonly details: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

export interface AttentionCapabilities {
  readonly booleanMask: boolean;
  readonly additiveMask: boolean;
  readonly causalAlignments: readonly CausalAlignment[];
  readonly softcap: boolean;
  readonly window: boolean;
  readonly alibi: boolean;
  readonly headMask: boolean;
  readonly pastKeyValue: boolean;
  readonly kvValidLengths: boolean;
  readonly layout3d: boolean;
  readonly scoresOutput: readonly ScoresOutputMode[];
}

export interface BackendCapabilities {
  readonly precisions: readonly Precision[];
  readonly attention: AttentionCapabilities;
  /** Largest tensor the backend can hold, in elements (a buffer or texture limit). */
  readonly maxTensorElements: number;
}

/** Full support of the contract in float32: a starting point for a backend's declaration. */
export const FULL_ATTENTION_CAPABILITIES: AttentionCapabilities = {
  booleanMask: true,
  additiveMask: true,
  causalAlignments: ['top-left', 'bottom-right'],
  softcap: true,
  window: true,
  alibi: true,
  headMask: true,
  pastKeyValue: true,
  kvValidLengths: true,
  layout3d: true,
  scoresOutput: ['none', 'raw', 'softcapped', 'masked', 'probabilities'],
};

export interface MemoryInfo {
  /** Tensors created through this backend and not yet disposed. */
  readonly liveTensors: number;
  /** Bytes held for live tensors (what the backend can account for). */
  readonly liveBytes: number;
}

/**
 * What a backend implements. Every argument has been validated by core: shapes agree, dtypes are right,
 * tensors belong to this backend and are alive, and the plan holds the resolved sizes.
 */
export interface BackendKernels<T extends DeviceTensor = DeviceTensor> {
  upload(data: HostArray, shape: readonly number[], dtype: DType): T;
  read(tensor: T): Promise<HostArray>;
  dispose(tensor: T): void;
  memory(): MemoryInfo;

  attention(inputs: DeviceAttentionInputs<T>, plan: AttentionPlan): DeviceAttentionOutputs<T>;

  matmul(a: T, b: T, bias: T | null, plan: MatmulPlan): T;
  binary(op: BinaryOp, a: T, b: T, plan: BroadcastPlan): T;
  unary(op: UnaryOp, x: T): T;
  /** x · factor. */
  scale(x: T, factor: number): T;
  /** Softmax (or log-softmax) over the last axis; a row of −∞ gives zeros (−∞ for log-softmax). */
  softmax(x: T, plan: RowsPlan, log: boolean): T;
  layerNorm(x: T, gamma: T, beta: T, epsilon: number, plan: RowsPlan): T;
  /** Embedding lookup: table [V, E], ids int32 [...] → [..., E]. */
  gather(table: T, ids: T, plan: GatherPlan): T;
  concat(tensors: readonly T[], plan: ConcatPlan): T;
  slice(x: T, plan: SlicePlan): T;
  /** Same data, new shape (element count already checked). */
  reshape(x: T, shape: readonly number[]): T;
  /** Index of the first maximum over the last axis, int32 [...rows]. */
  argmax(x: T, plan: RowsPlan): T;
  /** The k largest over the last axis, descending; ties keep the lower index first. */
  topK(x: T, k: number, plan: RowsPlan): TopKResult<T>;
}
