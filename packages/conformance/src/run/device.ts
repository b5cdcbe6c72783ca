import {
  type AttentionOptions,
  type Backend,
  createDevice,
  type DeviceAttentionInputs,
  type DeviceTensor,
  type HostAttentionInputs,
  type HostAttentionOutputs,
  type HostTensor,
} from '@attnkit/core';

/**
 * The same call as `attention(backend, inputs, options)`, through the device API: upload every input, run
 * `device.attention`, read every output back, release every tensor. Unlike the host API it does not look at
 * values, so out-of-range valid lengths and non-finite values reach the kernels (CONTRACT.md, "Edges").
 */
export async function attentionOnDevice(
  backend: Backend,
  inputs: HostAttentionInputs,
  options: AttentionOptions,
): Promise<HostAttentionOutputs> {
  const device = createDevice(backend);
  const owned: DeviceTensor[] = [];
  const up = (data: Float32Array | Int32Array | Uint8Array, shape: readonly number[]) => {
    const t = device.upload(data, shape);
    owned.push(t);
    return t;
  };
  try {
    const { q, k, v, mask, pastKey, pastValue, kvValidLengths } = inputs;
    const deviceInputs: DeviceAttentionInputs = {
      q: up(q.data, q.shape),
      k: up(k.data, k.shape),
      v: up(v.data, v.shape),
      ...(mask && { mask: up(mask.data, mask.shape) }),
      ...(pastKey && { pastKey: up(pastKey.data, pastKey.shape) }),
      ...(pastValue && { pastValue: up(pastValue.data, pastValue.shape) }),
      ...(kvValidLengths && { kvValidLengths: up(kvValidLengths, [kvValidLengths.length]) }),
    };
    const outputs = device.attention(deviceInputs, options);
    const result: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(outputs)) {
      if (!t) continue;
      owned.push(t);
      result[name] = { data: await device.read(t as DeviceTensor<'float32'>), shape: [...t.shape] };
    }
    return result as unknown as HostAttentionOutputs;
  } finally {
    device.dispose(...owned);
  }
}
