import type { Device, DeviceTensor } from '@attnkit/core';
import { loadError, shown } from '../errors.js';
import type { SafetensorsFile } from './safetensors.js';
import type { WeightSpec } from './spec.js';

/** Device-resident weights by name. `dispose()` releases all of them. */
export class Weights {
  private disposed = false;

  constructor(
    private readonly device: Device,
    private readonly tensors: ReadonlyMap<string, DeviceTensor<'float32'>>,
  ) {}

  get(name: string): DeviceTensor<'float32'> {
    const t = this.tensors.get(name);
    if (!t) throw loadError('weights', name, 'is not part of this model');
    return t;
  }

  get size(): number {
    return this.tensors.size;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.device.dispose(...this.tensors.values());
  }
}

/**
 * Checks every tensor against the spec (missing, extra, dtype, shape, non-finite values) on the host,
 * then uploads. If an upload fails part-way, what was uploaded is released: nothing is loaded half-way.
 */
export function uploadWeights(
  device: Device,
  file: SafetensorsFile,
  spec: WeightSpec,
  fileName = 'model.safetensors',
): Weights {
  for (const name of spec.keys()) {
    if (!file.tensors.has(name)) throw loadError(fileName, name, 'is missing');
  }
  for (const [name, t] of file.tensors) {
    const shape = spec.get(name);
    if (!shape) throw loadError(fileName, name, 'is not a tensor of this model (extra tensor)');
    if (t.dtype !== 'F32') throw loadError(fileName, name, `has dtype ${t.dtype}, expected F32`, 'F32', t.dtype);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw loadError(
        fileName,
        name,
        `has shape ${shown(t.shape)}, expected ${shown(shape)}`,
        shown(shape),
        shown(t.shape),
      );
    }
    const bad = (t.data as Float32Array).findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw loadError(fileName, name, `element ${bad} is ${t.data[bad]} (corrupt weights)`);
  }
  const uploaded = new Map<string, DeviceTensor<'float32'>>();
  try {
    for (const name of spec.keys()) {
      const t = file.tensors.get(name)!;
      uploaded.set(name, device.upload(t.data as Float32Array, t.shape));
    }
  } catch (error) {
    device.dispose(...uploaded.values());
    throw error;
  }
  return new Weights(device, uploaded);
}
