import { AttnkitError } from '@attnkit/core';
import { type Failure, type Kernel, PipelineCache } from './pipelines.js';
import { BufferPool } from './pool.js';
import { timers } from './timers.js';
import { MAP_READ, USAGE } from './usage.js';
import { packUniforms } from './wgsl.js';

/**
 * One GPUDevice with its pool, pipeline cache and error tracking. Every dispatch is wrapped in validation
 * and out-of-memory error scopes, and every new pipeline in validation and internal ones (a shader that fails
 * to compile); their results are collected and surface as AttnkitError at the next `read()` (kernels are
 * synchronous, scopes resolve later). A lost device fails every later call with DEVICE_LOST: a read in flight
 * when it is lost rejects with it (a read waits on the loss as well as on its own work, so it cannot hang), and
 * once the loss has been seen every call throws it before queuing anything.
 *
 * The watchdog: a wait on the device (a read, draining error scopes, `settle`) that lasts longer than
 * `watchdogMs` marks the device lost, as if the driver had said so. A driver that never finishes the work (a
 * compiler that spins, a shader that loops) then fails the call in flight and every later one with DEVICE_LOST
 * naming the limit, instead of leaving the caller waiting forever. The device itself is not destroyed: a driver
 * stuck on it may block that too. The limit counts from the start of the wait, which includes any work queued
 * before it, so the default is generous.
 */
export const DEFAULT_WATCHDOG_MS = 120_000;

/**
 * Whether a device is still usable, one per device: shared by the backend's Gpu and its siblings, so a loss
 * that one of them sees (from the driver, or from the watchdog) fails every one, and `backend.isLost` says so.
 */
export class DeviceHealth {
  lostReason: string | null = null;
  /** Set when device.lost settles (a loss, or dispose() destroying the device). */
  lostSettled = false;
  /**
   * Waits in flight, each told if the device is lost first (a set, not a chain on device.lost: a reaction per
   * wait on a promise that never settles would be kept for the device's whole life).
   */
  readonly waiters = new Set<() => void>();

  constructor(readonly watchdogMs: number) {}

  wakeWaiters(): void {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }
}

export class Gpu {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  private pending: Promise<Failure | null>[] = [];
  /** An error found while draining scopes between reads, thrown at the next read. */
  private deferred: AttnkitError | null = null;
  private disposing = false;
  private readonly health: DeviceHealth;
  private readonly maxGroups: number;

  constructor(
    readonly device: GPUDevice,
    private readonly ownsDevice: boolean,
    poolFreeBytes: number,
    pipelineCacheSize?: number,
    /** The watchdog's limit, or the health of the Gpu this one is a sibling of (see `sibling`). */
    watchdog: number | DeviceHealth = DEFAULT_WATCHDOG_MS,
  ) {
    this.pool = new BufferPool(
      device,
      Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize),
      poolFreeBytes,
    );
    this.pipelines = new PipelineCache(device, pipelineCacheSize);
    this.maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
    if (watchdog instanceof DeviceHealth) {
      this.health = watchdog;
      return;
    }
    const health = new DeviceHealth(watchdog);
    this.health = health;
    void device.lost.then((info) => {
      if (!this.disposing) health.lostReason = `${info.reason}: ${info.message}`;
      health.lostSettled = true;
      health.wakeWaiters();
    });
  }

  /**
   * Another Gpu on this device, with its own buffer pool, pipeline cache and error scopes (the autotuner's
   * scratch), that shares this one's loss and watchdog: a loss either of them sees is the backend's.
   */
  sibling(poolFreeBytes: number, pipelineCacheSize: number): Gpu {
    return new Gpu(this.device, false, poolFreeBytes, pipelineCacheSize, this.health);
  }

  get isLost(): boolean {
    return this.health.lostReason !== null;
  }

  /** Why the device is lost (the driver's reason, or the watchdog's), null while it is not. */
  get lossReason(): string | null {
    return this.health.lostReason;
  }

  /** Waits for `work` (e.g. `queue.onSubmittedWorkDone()`) under the same loss and watchdog rules as a read. */
  settle<T>(work: Promise<T>, op: string): Promise<T> {
    this.checkAlive(op);
    return this.untilLost(work, op);
  }

  checkAlive(op: string): void {
    if (this.disposing) throw new AttnkitError('DISPOSED', `webgpu ${op}: the backend was disposed`);
    if (this.health.lostReason !== null) {
      throw new AttnkitError(
        'DEVICE_LOST',
        `webgpu ${op}: the device was lost (${this.health.lostReason}); create a new backend`,
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
      const pipeline = this.pipelines.get(kernel, (check) => this.pending.push(check));
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
      await this.untilLost(staging.mapAsync(MAP_READ), 'read');
      const out = staging.getMappedRange(0, size).slice(0, bytes);
      staging.unmap();
      return out;
    } catch (error) {
      if (error instanceof AttnkitError) throw error;
      // A map aborted by a lost device: let the loss be seen (Dawn settles it first) and name it.
      if (!this.health.lostSettled) await new Promise<void>((resolve) => timers.setTimeout(resolve, 0));
      this.checkAlive('read');
      throw new AttnkitError(
        'BACKEND_FAILURE',
        `webgpu read: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    } finally {
      staging.destroy();
    }
  }

  /**
   * Waits for every error scope opened so far; throws the first error as AttnkitError (out of memory first,
   * as DEVICE_LIMIT), or DEVICE_LOST when the device is lost meanwhile.
   */
  async flushErrors(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    const failures = (await this.untilLost(Promise.all(pending), 'flush')).filter((f): f is Failure => f !== null);
    this.checkAlive('flush');
    if (this.deferred) {
      const deferred = this.deferred;
      this.deferred = null;
      throw deferred;
    }
    if (failures.length === 0) return;
    const first = failures.find((f) => f.code === 'DEVICE_LIMIT') ?? failures[0];
    throw new AttnkitError(first.code, first.message);
  }

  /**
   * `work`, or DEVICE_LOST (DISPOSED after dispose()) as soon as the device is lost or the watchdog fires,
   * whichever comes first.
   */
  private untilLost<T>(work: Promise<T>, op: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const wake = () => {
        try {
          this.checkAlive(op);
          reject(new AttnkitError('DEVICE_LOST', `webgpu ${op}: the device was lost; create a new backend`));
        } catch (error) {
          reject(error);
        }
      };
      const { health } = this;
      if (health.lostSettled) {
        work.catch(() => {}); // settled by the loss; the work's own failure is moot
        return wake();
      }
      health.waiters.add(wake);
      const watchdog = Number.isFinite(health.watchdogMs)
        ? timers.setTimeout(() => this.giveUp(op), health.watchdogMs)
        : undefined;
      work.then(
        (value) => {
          timers.clearTimeout(watchdog);
          health.waiters.delete(wake);
          resolve(value);
        },
        (error: unknown) => {
          timers.clearTimeout(watchdog);
          health.waiters.delete(wake);
          reject(error);
        },
      );
    });
  }

  /** The watchdog fired: the device counts as lost from now on, and every wait in flight rejects. */
  private giveUp(op: string): void {
    const { health } = this;
    if (this.disposing || health.lostReason !== null) return;
    health.lostReason = `watchdog: a ${op} waited more than ${health.watchdogMs} ms for the GPU`;
    health.wakeWaiters();
  }

  private scoped(work: () => void): void {
    this.checkAlive('dispatch');
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    try {
      work();
    } finally {
      this.pending.push(this.device.popErrorScope().then(toFailure, () => null));
      this.pending.push(this.device.popErrorScope().then(toFailure, () => null));
    }
    // A caller that never reads must not grow the list forever: drain it, keeping the first error.
    if (this.pending.length >= 4096) {
      this.flushErrors().catch((error) => {
        this.deferred ??= error instanceof AttnkitError ? error : new AttnkitError('BACKEND_FAILURE', String(error));
      });
    }
  }

  destroy(): void {
    if (this.disposing) return;
    this.disposing = true;
    this.pool.destroy();
    this.pipelines.clear();
    this.pending = [];
    if (this.ownsDevice) this.device.destroy();
  }
}

function toFailure(error: GPUError | null): Failure | null {
  if (error === null) return null;
  if (error.constructor.name.includes('OutOfMemory') || /out of memory/i.test(error.message)) {
    return { code: 'DEVICE_LIMIT', message: `webgpu: out of GPU memory (${error.message})` };
  }
  return { code: 'BACKEND_FAILURE', message: `webgpu validation error: ${error.message}` };
}
