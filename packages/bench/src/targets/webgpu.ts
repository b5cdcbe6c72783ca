import type { Backend } from '@attnkit/core';
import { attnkitTarget } from './attnkit.js';
import { importBackendPackage } from './load.js';
import type { Target } from './target.js';
import { createTfjsNaiveTarget, loadTfjs } from './tfjs.js';

/** The one GPUDevice of the run: attnkit's WebGPU backend creates it; tfjs's WebGPU peer borrows it. */
let shared: Promise<Backend & { readonly device: unknown }> | null = null;

function webgpuBackend(): Promise<Backend & { readonly device: unknown }> {
  shared ??= (async () => {
    const { createBackend } = await importBackendPackage('@attnkit/backend-webgpu');
    const backend = (await createBackend()) as Backend & { readonly device?: unknown };
    if (!backend.device) throw new Error('@attnkit/backend-webgpu: the backend exposes no device');
    return backend as Backend & { readonly device: unknown };
  })().catch((error) => {
    shared = null;
    throw error;
  });
  return shared;
}

export async function createWebGpuTarget(): Promise<Target> {
  const backend = await webgpuBackend();
  // The peer shares the device, so the device is released when the run ends, not with this target.
  return { ...attnkitTarget(backend, 'webgpu'), dispose: async () => {} };
}

/**
 * tfjs's own WebGPU backend (`WebGPUBackend`, WGSL kernels by the tfjs team) registered on the same Dawn
 * device, running the naive composition: the peer for WebGPU.
 */
export async function createTfjsWebGpuTarget(): Promise<Target> {
  const backend = await webgpuBackend();
  const tf = await loadTfjs();
  const name = 'webgpu-shared';
  if (!(name in tf.engine().registryFactory)) {
    const dawn = (await import('webgpu')) as unknown as { globals: Record<string, unknown> };
    for (const [key, value] of Object.entries(dawn.globals)) if (!(key in globalThis)) Object.assign(globalThis, { [key]: value });
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    tf.registerBackend(name, () => new WebGPUBackend(backend.device as never));
  }
  const target = await createTfjsNaiveTarget(name, 'webgpu', `tfjs ${tf.version_core} WebGPUBackend on the same device: ${backend.runsOn.description}`);
  return { ...target, name: 'tfjs-webgpu-naive', label: 'tfjs webgpu: matMul → softmax → matMul' };
}

export async function releaseWebGpu(): Promise<void> {
  if (!shared) return;
  const backend = await shared.catch(() => null);
  shared = null;
  backend?.dispose();
}
