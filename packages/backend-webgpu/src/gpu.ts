import { AttnkitError } from '@attnkit/core';
import type { Kernel } from './pipelines.js';
import { PipelineCache } from './pipelines.js';
import { BufferPool } from './pool.js';
import { MAP_READ, USAGE } from './usage.js';
import { packUniforms } from './wgsl.js';

/**
 * One GPUDevice with its pool, pipeline cache and error tracking. Every dispatch is wrapped in validation
 * and out-of-memory error scopes; their results are collected and surface as AttnkitError at the next
 * `read()` (kernels are synchronous, scopes resolve later). A lost device fails every later call.
 */
export class Gpu {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  private pending: Promise<GPUError | null>[] = [];
  /** An error found while draining scopes between reads, thrown at the next read. */
  private deferred: AttnkitError | null = null;
  private lostReason: string | null = null;
  private disposing = false;
  private readonly maxGroups: number;

  constructor(
    readonly device: GPUDevice,
    private readonly ownsDevice: boolean,
  ) {
    this.pool = new BufferPool(
      device,
      Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize),
    );
    this.pipelines = new PipelineCache(device);
    this.maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
    void device.lost.then((info) => {
      if (!this.disposing) this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  get isLost(): boolean {
    return this.lostReason !== null;
  }

  checkAlive(op: string): void {
    if (this.lostReason !== null) {
      throw new AttnkitError(
        'DEVICE_LOST',
        `webgpu ${op}: the device was lost (${this.lostReason}); create a new backend`,
      );
    }
  }

  /** Records one kernel launch of `invocations` invocations (or `groups` workgroups) and submits it. */
  run(
    kernel: Kernel,
    buffers: readonly GPUBuffer[],
    uniforms: Readonly<Record<string, number>>,
    launch: { invocations?: number; groups?: number },
  ): void {
    const groups = launch.groups ?? Math.ceil((launch.invocations ?? 0) / kernel.spec.workgroupSize);
    if (groups === 0) return;
    this.scoped(() => {
      const pipeline = this.pipelines.get(kernel);
      const data = packUniforms(kernel.spec, uniforms);
      const uniformBuffer = this.pool.acquire(data.byteLength, 'uniform');
      this.device.queue.writeBuffer(uniformBuffer, 0, data);
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniformBuffer, size: data.byteLength } }];
      for (const [i, buffer] of buffers.entries()) entries.push({ binding: i + 1, resource: { buffer } });
      const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      const x = Math.min(groups, this.maxGroups);
      const y = Math.ceil(groups / x);
      if (y > this.maxGroups)
        throw new AttnkitError('DEVICE_LIMIT', `webgpu ${kernel.key}: ${groups} workgroups exceed the device's grid`);
      const encoder = this.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y);
      pass.end();
      this.device.queue.submit([encoder.finish()]);
      this.pool.release(uniformBuffer);
    });
  }

  copy(from: GPUBuffer, to: GPUBuffer, bytes: number): void {
    if (bytes === 0) return;
    this.scoped(() => {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(from, 0, to, 0, bytes);
      this.device.queue.submit([encoder.finish()]);
    });
  }

  write(buffer: GPUBuffer, data: ArrayBufferView): void {
    if (data.byteLength === 0) return;
    this.scoped(() => this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength));
  }

  /** Copies `bytes` of a buffer into a staging buffer, maps it and returns a copy of the data. */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.checkAlive('read');
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const staging = this.device.createBuffer({ size, usage: MAP_READ | USAGE.COPY_DST, label: 'staging' });
    try {
      this.copy(buffer, staging, size);
      await this.flushErrors();
      await staging.mapAsync(MAP_READ);
      const out = staging.getMappedRange(0, size).slice(0, bytes);
      staging.unmap();
      return out;
    } catch (error) {
      this.checkAlive('read');
      if (error instanceof AttnkitError) throw error;
      throw new AttnkitError(
        'BACKEND_FAILURE',
        `webgpu read: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    } finally {
      staging.destroy();
    }
  }

  /** Waits for every error scope opened so far; throws the first error as AttnkitError. */
  async flushErrors(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    const errors = (await Promise.all(pending)).filter((e): e is GPUError => e !== null);
    this.checkAlive('flush');
    if (this.deferred) {
      const deferred = this.deferred;
      this.deferred = null;
      throw deferred;
    }
    if (errors.length === 0) return;
    const first = errors[0];
    const oom = errors.find((e) => e.constructor.name.includes('OutOfMemory') || /out of memory/i.test(e.message));
    if (oom) throw new AttnkitError('DEVICE_LIMIT', `webgpu: out of GPU memory (${oom.message})`);
    throw new AttnkitError('BACKEND_FAILURE', `webgpu validation error: ${first.message}`);
  }

  private scoped(work: () => void): void {
    this.checkAlive('dispatch');
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    try {
      work();
    } finally {
      this.pending.push(this.device.popErrorScope().catch(() => null));
      this.pending.push(this.device.popErrorScope().catch(() => null));
    }
    // A caller that never reads must not grow the list forever: drain it, keeping the first error.
    if (this.pending.length >= 4096) {
      this.flushErrors().catch((error) => {
        this.deferred ??= error instanceof AttnkitError ? error : new AttnkitError('BACKEND_FAILURE', String(error));
      });
    }
  }

  destroy(): void {
    this.disposing = true;
    this.pool.destroy();
    this.pipelines.clear();
    this.pending = [];
    if (this.ownsDevice) this.device.destroy();
  }
}
