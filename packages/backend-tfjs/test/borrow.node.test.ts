import { createDevice, createReferenceBackend } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { borrowTfTensor, createBackend, registerTfjsGradients, tfTensorOf } from '../src/index.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/**
 * Borrowed tf.Tensors: device ops read them, tf.variableGrads differentiates through the device API into
 * them, disposing the device tensor leaves them alive, and the backend's accounting does not count them.
 */
describe.each(NODE_TFJS_BACKENDS)('borrowed tensors on tfjs-%s', (tfjsBackend) => {
  it('give the gradient of a device-API computation with respect to a tf.Variable', async () => {
    const backend = await createBackend({ tfjsBackend });
    const device = createDevice(backend);
    registerTfjsGradients();
    const w = tf.variable(tf.tensor2d([1, -2, 0.5, 3, -1, 2], [3, 2]), true, `borrow-${tfjsBackend}`);
    const x = tf.tensor2d([0.5, 1, -1, 2, 0, 1], [2, 3]);
    const before = backend.kernels.memory();
    const { value, grads } = tf.variableGrads(() => {
      const wd = borrowTfTensor(backend, w);
      const xd = borrowTfTensor(backend, x);
      const product = device.matmul(xd, wd);
      const y = device.tanh(product);
      const loss = tf.sum(tfTensorOf(y)) as tf.Scalar;
      // Disposing the forward's tensors before the backward pass is safe: tfjs keeps what gradients need.
      device.dispose(product, y, wd, xd);
      return loss;
    });
    // d/dW Σ tanh(x·W) = xᵀ · (1 − tanh²(x·W))
    const expected = tf.tidy(() => {
      const t = tf.tanh(tf.matMul(x, w));
      return tf.matMul(x, tf.sub(1, tf.square(t)), true, false);
    });
    const got = Array.from(grads[w.name].dataSync());
    const want = Array.from(expected.dataSync());
    expect(Math.max(...got.map((g, i) => Math.abs(g - want[i])))).toBeLessThan(1e-5);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    expect(w.isDisposed).toBe(false);
    expect(backend.kernels.memory()).toEqual(before);
    tf.dispose([value, expected, x, ...Object.values(grads)]);
    w.dispose();
    backend.dispose();
  });

  it('disposing the device tensor releases the wrapper and leaves the tf.Tensor', async () => {
    const backend = await createBackend({ tfjsBackend });
    const device = createDevice(backend);
    const t = tf.tensor1d([1, 2, 3]);
    const d = borrowTfTensor(backend, t);
    expect(backend.kernels.memory().liveTensors).toBe(0);
    expect(Array.from(await device.read(d))).toEqual([1, 2, 3]);
    device.dispose(d);
    expect(d.isDisposed).toBe(true);
    expect(t.isDisposed).toBe(false);
    expect(() => device.relu(d)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    expect(() => tfTensorOf(d)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    t.dispose();
    backend.dispose();
  });

  it('refuses another backend, a disposed tensor, a complex dtype and a foreign device tensor', async () => {
    const backend = await createBackend({ tfjsBackend });
    const reference = createReferenceBackend();
    const t = tf.tensor1d([1]);
    expect(() => borrowTfTensor(reference, t)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const gone = tf.tensor1d([1]);
    gone.dispose();
    expect(() => borrowTfTensor(backend, gone)).toThrow(/disposed/);
    const c = tf.complex([1], [2]);
    expect(() => borrowTfTensor(backend, c)).toThrow(/complex64/);
    const ids = tf.tensor1d([1], 'int32');
    expect(() => borrowTfTensor(backend, ids)).toThrow(/float32 tf.Tensor, got dtype int32/);
    expect(borrowTfTensor(backend, ids, 'int32').dtype).toBe('int32');
    const foreign = createDevice(reference).upload(new Float32Array([1]), [1]);
    expect(() => tfTensorOf(foreign)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    tf.dispose([t, c, ids]);
    reference.dispose();
    backend.dispose();
  });
});
