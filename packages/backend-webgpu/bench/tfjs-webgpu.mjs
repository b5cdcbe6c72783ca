/**
 * tfjs's own WebGPU backend on the same GPUDevice, attention as the naive composition
 * softmax(q·kᵀ · scale) · v (tfjs materializes the [B, H, S, T] scores).
 */

import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';

export async function tfjsOnDevice(device, adapterInfo) {
  // tfjs checks navigator.gpu before using the device it is given; Node 20 has no navigator.
  globalThis.navigator ??= { gpu: {} };
  // Kernels are registered under the name 'webgpu': replace its factory with one that uses our device.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapterInfo));
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not start its webgpu backend on the given device');
  await tf.ready();
  return {
    prepare(B, H, S, D, data) {
      const [q, k, v] = data.map((x) => tf.tensor4d(x, [B, H, S, D]));
      const scale = 1 / Math.sqrt(D);
      const run = async () => {
        const y = tf.tidy(() => tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)), v));
        const out = await y.data();
        y.dispose();
        return out;
      };
      return { run, release: () => tf.dispose([q, k, v]) };
    },
    dispose() {
      tf.removeBackend('webgpu');
    },
  };
}
