import { AttnkitError } from '@attnkit/core';
import { type KernelSpec, writeShader } from './wgsl.js';

/** A kernel variant: `key` names everything compiled into it; runtime sizes travel in uniforms. */
export interface Kernel {
  readonly key: string;
  readonly spec: KernelSpec;
}

/** A failure found after the call that queued the work: thrown at the next `read()`. */
export interface Failure {
  readonly code: 'BACKEND_FAILURE' | 'DEVICE_LIMIT';
  readonly message: string;
}

/**
 * Pipelines kept compiled, least recently used out first. A pipeline holds the driver's compiled code (on
 * SwiftShader, JIT-compiled machine code), and a varied workload meets many variants: the soak's 10,000 mixed
 * calls created 727 and grew RSS by 89 MiB with no bound. A working set (a model's decode loop, a conformance
 * run) needs tens; 256 holds it several times over, so a steady loop compiles nothing new.
 */
export const DEFAULT_PIPELINE_CACHE_SIZE = 256;

export interface PipelineStats {
  /** Pipelines created since the backend was created. */
  readonly compiled: number;
  /** Pipelines held now. */
  readonly live: number;
  /** Pipelines dropped by the bound (WebGPU has no destroy: the driver frees one when nothing references it). */
  readonly evicted: number;
  /** The bound on `live`. */
  readonly capacity: number;
}

/**
 * Compiled pipelines by kernel key, at most `capacity` (least recently used dropped first).
 *
 * WebGPU reports a shader that fails to compile only asynchronously (error scopes, `getCompilationInfo`), so
 * the first call with it queues work that does nothing and its error surfaces at the next `read()`. Once the
 * failure is known the key is remembered as failed: later calls with it throw BACKEND_FAILURE at once, before
 * any work is queued, and every other kernel goes on working.
 */
export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly failed = new Map<string, string>();
  compiled = 0;
  evicted = 0;
  /** Internal test hook: rewrites a kernel's WGSL before it is compiled (a fault injector). */
  transformSource: ((key: string, code: string) => string) | null = null;

  constructor(
    private readonly device: GPUDevice,
    readonly capacity = DEFAULT_PIPELINE_CACHE_SIZE,
  ) {}

  /** The pipeline of `kernel`; a new one's compilation check goes to `onCheck` (null: it compiled). */
  get(kernel: Kernel, onCheck: (check: Promise<Failure | null>) => void): GPUComputePipeline {
    const failure = this.failed.get(kernel.key);
    if (failure !== undefined) {
      throw new AttnkitError('BACKEND_FAILURE', `webgpu ${kernel.key}: the shader failed to compile: ${failure}`);
    }
    let pipeline = this.pipelines.get(kernel.key);
    if (pipeline) {
      // Most recently used last: a Map iterates in insertion order, so the first key is the one to drop.
      this.pipelines.delete(kernel.key);
      this.pipelines.set(kernel.key, pipeline);
    } else {
      let code = writeShader(kernel.spec);
      if (this.transformSource) code = this.transformSource(kernel.key, code);
      this.device.pushErrorScope('internal');
      this.device.pushErrorScope('validation');
      const module = this.device.createShaderModule({ code, label: kernel.key });
      const created = this.device.createComputePipeline({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
        label: kernel.key,
      });
      const validation = this.device.popErrorScope().catch(() => null);
      const internal = this.device.popErrorScope().catch(() => null);
      this.pipelines.set(kernel.key, created);
      this.compiled++;
      for (const key of this.pipelines.keys()) {
        if (this.pipelines.size <= this.capacity) break;
        this.pipelines.delete(key);
        this.evicted++;
      }
      pipeline = created;
      onCheck(this.check(kernel.key, created, module, validation, internal));
    }
    return pipeline;
  }

  private async check(
    key: string,
    pipeline: GPUComputePipeline,
    module: GPUShaderModule,
    ...scopes: Promise<GPUError | null>[]
  ): Promise<Failure | null> {
    const errors = (await Promise.all(scopes)).filter((e): e is GPUError => e !== null);
    if (errors.length === 0) return null;
    let detail = errors[0].message;
    try {
      const info = await module.getCompilationInfo();
      const messages = info.messages
        .filter((m) => m.type === 'error')
        .map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
      if (messages.length) detail = messages.join('; ');
    } catch {
      // No compilation info (a lost device): the scope's message stands.
    }
    this.failed.set(key, detail);
    if (this.pipelines.get(key) === pipeline) this.pipelines.delete(key);
    return { code: 'BACKEND_FAILURE', message: `webgpu ${key}: the shader failed to compile: ${detail}` };
  }

  get size(): number {
    return this.pipelines.size;
  }

  stats(): PipelineStats {
    return { compiled: this.compiled, live: this.pipelines.size, evicted: this.evicted, capacity: this.capacity };
  }

  keys(): string[] {
    return [...this.pipelines.keys()];
  }

  /** Keys whose shader failed to compile, with the compiler's message. */
  failures(): ReadonlyMap<string, string> {
    return this.failed;
  }

  clear(): void {
    this.pipelines.clear();
    this.failed.clear();
  }
}
