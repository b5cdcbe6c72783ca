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
 * Compiled pipelines by kernel key. Pipelines hold no memory a caller can free; the cache dies with the backend.
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
  /** Internal test hook: rewrites a kernel's WGSL before it is compiled (a fault injector). */
  transformSource: ((key: string, code: string) => string) | null = null;

  constructor(private readonly device: GPUDevice) {}

  /** The pipeline of `kernel`; a new one's compilation check goes to `onCheck` (null: it compiled). */
  get(kernel: Kernel, onCheck: (check: Promise<Failure | null>) => void): GPUComputePipeline {
    const failure = this.failed.get(kernel.key);
    if (failure !== undefined) {
      throw new AttnkitError('BACKEND_FAILURE', `webgpu ${kernel.key}: the shader failed to compile: ${failure}`);
    }
    let pipeline = this.pipelines.get(kernel.key);
    if (!pipeline) {
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
