import { describe, expect, it } from 'vitest';
import { attention, type Backend, type BackendKernels, createDevice, createReferenceBackend } from '../src/index.js';
import { expectAttnkitError, random, rng } from './helpers.js';

/** Every tensor has an owner and is released: the host API cleans up after itself, and dispose() frees all. */
const next = rng(9);
const inputs = {
  q: random([2, 4, 3, 8], next),
  k: random([2, 2, 5, 8], next),
  v: random([2, 2, 5, 6], next),
  mask: { data: Uint8Array.from({ length: 3 * 5 }, (_, i) => i % 4), shape: [3, 5], kind: 'boolean' as const },
};

/** The reference with one kernel replaced. */
function withKernel(reference: Backend, replaced: Partial<BackendKernels>): Backend {
  return { ...reference, kernels: { ...reference.kernels, ...replaced } } as Backend;
}

describe('the host attention() releases every tensor it creates', () => {
  it('after a successful call with every output', async () => {
    const backend = createReferenceBackend();
    await attention(backend, inputs, { returnPresent: true, scoresOutput: 'probabilities', isCausal: true });
    await attention(backend, {
      ...inputs,
      mask: undefined,
      pastKey: random([2, 2, 4, 8], next),
      pastValue: random([2, 2, 4, 6], next),
    });
    await attention(backend, { ...inputs, kvValidLengths: Int32Array.from([1, 5]) });
    expect(backend.kernels.memory()).toEqual({ liveTensors: 0, liveBytes: 0 });
  });

  it('leaves tensors that the caller holds on the same backend alone', async () => {
    const backend = createReferenceBackend();
    const held = createDevice(backend).upload(new Float32Array(3), [3]);
    await attention(backend, inputs);
    expect(backend.kernels.memory().liveTensors).toBe(1);
    expect(held.isDisposed).toBe(false);
  });

  it('when validation fails', async () => {
    const backend = createReferenceBackend();
    await expectAttnkitError(() => attention(backend, inputs, { headMask: [1] }), 'INVALID_ARGUMENT');
    expect(backend.kernels.memory().liveTensors).toBe(0);
  });

  it('when the attention kernel throws midway, after the uploads', async () => {
    const reference: Backend = createReferenceBackend();
    const failing = withKernel(reference, {
      attention: () => {
        throw new Error('kernel failure');
      },
    });
    await expect(attention(failing, inputs)).rejects.toThrow('kernel failure');
    expect(reference.kernels.memory().liveTensors).toBe(0);
  });

  it('when reading an output back fails, after the outputs exist', async () => {
    const reference: Backend = createReferenceBackend();
    let reads = 0;
    const failing = withKernel(reference, {
      read: async (t) => {
        if (++reads === 2) throw new Error('read failure');
        return reference.kernels.read(t);
      },
    });
    await expect(attention(failing, inputs, { scoresOutput: 'raw', returnPresent: true })).rejects.toThrow(
      'read failure',
    );
    expect(reads).toBe(2);
    expect(reference.kernels.memory().liveTensors).toBe(0);
  });

  it('when an upload fails halfway through the inputs', async () => {
    const reference: Backend = createReferenceBackend();
    let uploads = 0;
    const failing = withKernel(reference, {
      upload: (data, shape, dtype) => {
        if (++uploads === 3) throw new Error('upload failure');
        return reference.kernels.upload(data, shape, dtype);
      },
    });
    await expect(attention(failing, inputs)).rejects.toThrow('upload failure');
    expect(reference.kernels.memory().liveTensors).toBe(0);
  });
});

describe('device tensors', () => {
  it('every op makes one new tensor, and disposing them returns memory to where it was', async () => {
    const backend = createReferenceBackend();
    const device = createDevice(backend);
    const x = device.upload(new Float32Array(12).fill(1), [3, 4]);
    const base = device.memory();
    expect(base.liveTensors).toBe(1);
    expect(base.liveBytes).toBeGreaterThan(0);
    const made = [
      device.matmul(x, x, { transposeB: true }),
      device.add(x, x),
      device.gelu(x),
      device.softmax(x),
      device.reshape(x, [12]),
      device.slice(x, 0, 1, 1),
      device.concat([x, x], 0),
      device.argmax(x),
    ];
    const { values, indices } = device.topK(x, 2);
    const out = device.attention({
      q: device.reshape(x, [1, 1, 3, 4]),
      k: device.reshape(x, [1, 1, 3, 4]),
      v: device.reshape(x, [1, 1, 3, 4]),
    });
    expect(device.memory().liveTensors).toBe(1 + made.length + 2 + 3 + 1);
    device.dispose(...made, values, indices, out.y);
    expect(device.memory().liveTensors).toBe(1 + 3);
    backend.dispose();
    expect(backend.kernels.memory()).toEqual({ liveTensors: 0, liveBytes: 0 });
  });

  it('backend.dispose() releases everything and marks every tensor disposed', () => {
    const backend = createReferenceBackend();
    const device = createDevice(backend);
    const tensors = [
      device.upload(new Float32Array(4), [4]),
      device.upload(new Int32Array(2), [2]),
      device.upload(new Uint8Array(3), [3]),
    ];
    tensors.push(device.add(tensors[0], tensors[0]));
    expect(backend.kernels.memory().liveTensors).toBe(4);
    backend.dispose();
    expect(backend.kernels.memory()).toEqual({ liveTensors: 0, liveBytes: 0 });
    expect(tensors.every((t) => t.isDisposed)).toBe(true);
    expect(backend.isDisposed).toBe(true);
  });

  it('read returns a copy: changing it does not change the tensor', async () => {
    const device = createDevice(createReferenceBackend());
    const t = device.upload(Float32Array.from([1, 2]), [2]);
    const first = await device.read(t);
    first[0] = 99;
    expect(Array.from(await device.read(t))).toEqual([1, 2]);
  });

  it('upload copies: changing the host array afterwards does not change the tensor', async () => {
    const device = createDevice(createReferenceBackend());
    const host = Int32Array.from([1, 2]);
    const t = device.upload(host, [2]);
    host[0] = 99;
    expect(Array.from(await device.read(t))).toEqual([1, 2]);
  });
});
