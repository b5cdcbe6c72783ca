import { type KernelSpec, writeShader } from './wgsl.js';

/** A kernel variant: `key` names everything compiled into it; runtime sizes travel in uniforms. */
export interface Kernel {
  readonly key: string;
  readonly spec: KernelSpec;
}

/** Compiled pipelines by kernel key. Pipelines hold no memory a caller can free; the cache dies with the backend. */
export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  compiled = 0;

  constructor(private readonly device: GPUDevice) {}

  get(kernel: Kernel): GPUComputePipeline {
    let pipeline = this.pipelines.get(kernel.key);
    if (!pipeline) {
      const module = this.device.createShaderModule({ code: writeShader(kernel.spec), label: kernel.key });
      pipeline = this.device.createComputePipeline({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
        label: kernel.key,
      });
      this.pipelines.set(kernel.key, pipeline);
      this.compiled++;
    }
    return pipeline;
  }

  get size(): number {
    return this.pipelines.size;
  }

  keys(): string[] {
    return [...this.pipelines.keys()];
  }

  clear(): void {
    this.pipelines.clear();
  }
}
