import {
  type AttentionOptions,
  type Backend,
  createDevice,
  type DeviceAttentionInputs,
  type DeviceTensor,
} from '@attnkit/core';
import type { BenchCase } from '../grid.js';
import type { CaseInputs } from '../inputs.js';
import type { PreparedCell, Target, TargetFamily } from './target.js';

/** Optional buffer-pool accounting (the WebGPU backend has it). */
interface PoolAccounting {
  memoryStats(): { peakBytes: number };
  resetPeak(): void;
}

function hasPool(backend: Backend): backend is Backend & PoolAccounting {
  const b = backend as Partial<PoolAccounting>;
  return typeof b.memoryStats === 'function' && typeof b.resetPeak === 'function';
}

export interface AttnkitTargetOptions {
  /** Peak bytes of one call by the library underneath (tfjs: `tf.profile`). */
  readonly profilePeak?: (call: () => Promise<void>) => Promise<number>;
}

/** An attnkit backend through the validated device API: inputs stay on the device, y is read back. */
export function attnkitTarget(
  backend: Backend,
  family: TargetFamily,
  options: AttnkitTargetOptions = {},
): Target & { backend: Backend } {
  const device = createDevice(backend);
  return {
    backend,
    name: backend.name,
    label: `attnkit ${backend.name}`,
    role: 'backend',
    family,
    runsOn: backend.runsOn.description,
    scoreCopies: 0,
    headMask: true,
    unsupported(c) {
      if (!backend.capabilities.precisions.includes(c.precision))
        return `${c.precision} not declared (precisions: ${backend.capabilities.precisions.join(', ')})`;
      if (c.mask === 'additive' && !backend.capabilities.attention.additiveMask) return 'additive masks not declared';
      if (c.P > 0 && !backend.capabilities.attention.pastKeyValue) return 'past key/value not declared';
      return null;
    },
    async prepare(c: BenchCase, inputs: CaseInputs): Promise<PreparedCell> {
      const owned: DeviceTensor[] = [];
      const up = (data: Float32Array, shape: readonly number[]) => {
        const t = device.upload(data, shape);
        owned.push(t);
        return t;
      };
      const deviceInputs: DeviceAttentionInputs = {
        q: up(inputs.q, inputs.qShape),
        k: up(inputs.k, inputs.kvShape),
        v: up(inputs.v, inputs.kvShape),
        ...(inputs.mask && inputs.maskShape && { mask: up(inputs.mask, inputs.maskShape) }),
        ...(inputs.pastKey && inputs.pastShape && { pastKey: up(inputs.pastKey, inputs.pastShape) }),
        ...(inputs.pastValue && inputs.pastShape && { pastValue: up(inputs.pastValue, inputs.pastShape) }),
      };
      const attentionOptions: AttentionOptions = {
        isCausal: c.causal,
        ...(c.headMask && { headMask: c.headMask }),
        ...(c.precision !== 'float32' && { precision: c.precision }),
      };
      const call = async (): Promise<{ y: Float32Array; liveBytes: number }> => {
        const outputs = device.attention(deviceInputs, attentionOptions);
        const liveBytes = device.memory().liveBytes;
        try {
          return { y: await device.read(outputs.y), liveBytes };
        } finally {
          device.dispose(outputs.y, outputs.presentKey, outputs.presentValue, outputs.scores);
        }
      };
      const once = async () => (await call()).liveBytes;
      return {
        run: async () => {
          await once();
        },
        async measureMemory() {
          if (hasPool(backend)) {
            backend.resetPeak();
            await once();
            return backend.memoryStats().peakBytes;
          }
          if (options.profilePeak) return options.profilePeak(async () => void (await once()));
          // Only live tensors are accounted for: inputs plus outputs, no intermediates.
          return once();
        },
        output: async () => (await call()).y,
        dispose: () => device.dispose(...owned),
      };
    },
    async dispose() {
      backend.dispose();
    },
  };
}
