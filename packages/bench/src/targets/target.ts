import type { BenchCase } from '../grid.js';
import type { CaseInputs } from '../inputs.js';

/**
 * Something the bench times: an attnkit backend, or a peer (another library's attention) that the
 * backends are compared with. `family` names the substrate a target computes on (the same tfjs backend, the
 * same WebGPU device, plain JavaScript, native code, WebAssembly on CPU threads): a backend is also compared
 * with the best peer of its own family on the same number of threads, e.g. attnkit on tfjs-wasm with the
 * naive composition on tfjs-wasm, or attnkit's wasm kernels on 1 thread with onnxruntime-web on 1 thread.
 */
export type TargetRole = 'backend' | 'peer';
export type TargetFamily = 'javascript' | 'native-cpu' | 'webgpu' | 'webgl' | 'wasm' | `tfjs-${string}`;

export interface Target {
  readonly name: string;
  readonly label: string;
  readonly role: TargetRole;
  readonly family: TargetFamily;
  /** What it really runs on, one line (adapter, renderer, thread count). */
  readonly runsOn: string;
  /** CPU threads it computes on, where it sets them (it is then compared with peers on as many threads). */
  readonly threads?: number;
  /** Takes attnkit's per-head output multipliers (BenchCase.headMask); no peer does. */
  readonly headMask?: boolean;
  /** Finishes the grid's heavy cases in seconds rather than minutes (see BenchCase.heavy). */
  readonly runsHeavyCases?: boolean;
  /**
   * Float32 score tensors [B, Hq, Sq, T] it holds at once (0 for kernels that stream or block over keys):
   * the memory guard skips a cell before it can exhaust the machine.
   */
  readonly scoreCopies: number;
  /** Why this case cannot run here (a feature it lacks), or null. */
  unsupported(c: BenchCase): string | null;
  /** Uploads the inputs, builds what the case needs; the returned cell runs one call per `run()`. */
  prepare(c: BenchCase, inputs: CaseInputs): Promise<PreparedCell>;
  dispose(): Promise<void>;
}

export interface PreparedCell {
  /** One call, output read back to the host (so GPU work is finished when it resolves). */
  run(): Promise<void>;
  /**
   * One untimed call that measures the target's own memory accounting (buffer pool, tfjs profile), in
   * bytes at its peak; null when the target exposes none.
   */
  measureMemory(): Promise<number | null>;
  /** y of one call, [B, Hq, Sq, D] (for checking that a target computes the same attention). */
  output(): Promise<Float32Array>;
  dispose(): void;
}

/** A target that could not be created, with the reason (kept in the report). */
export interface UnavailableTarget {
  readonly name: string;
  readonly role: TargetRole;
  readonly reason: string;
}

export interface TargetFactory {
  readonly name: string;
  readonly role: TargetRole;
  create(): Promise<Target>;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
