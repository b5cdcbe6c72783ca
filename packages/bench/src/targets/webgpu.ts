import type { Backend } from '@attnkit/core';
import { attnkitTarget } from './attnkit.js';
import type { Target } from './target.js';
import { createTfjsNaiveTarget, loadTfjs } from './tfjs.js';

/** The one GPUDevice of the run: attnkit's WebGPU backend creates it; its peers and variants borrow it. */
let registeredOnShared = false;
let shared: Promise<Backend & { readonly device: unknown }> | null = null;

export function webgpuBackend(): Promise<Backend & { readonly device: unknown }> {
  shared ??= (async () => {
    const { webgpuBackendEntry } = await import('@attnkit/backend-webgpu/entry');
    const backend = (await webgpuBackendEntry.create()) as Backend & { readonly device?: unknown };
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
  // Kernels are registered under the name 'webgpu'; the package's own factory (registered only where
  // navigator.gpu exists) would find a device by itself, so it is replaced by one on the shared device.
  const name = 'webgpu';
  if (!registeredOnShared) {
    const dawn = (await import('webgpu')) as unknown as { globals: Record<string, unknown> };
    for (const [key, value] of Object.entries(dawn.globals))
      if (!(key in globalThis)) Object.assign(globalThis, { [key]: value });
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    if (name in tf.engine().registryFactory) tf.removeBackend(name);
    tf.registerBackend(name, () => withNavigatorGpu(() => new WebGPUBackend(backend.device as never)));
    registeredOnShared = true;
  }
  const target = await createTfjsNaiveTarget(
    name,
    'webgpu',
    `tfjs ${tf.version_core} WebGPUBackend on the same device: ${backend.runsOn.description}`,
  );
  return { ...target, name: 'tfjs-webgpu-naive', label: 'tfjs webgpu: matMul → softmax → matMul' };
}

export async function releaseWebGpu(): Promise<void> {
  if (!shared) return;
  const backend = await shared.catch(() => null);
  shared = null;
  backend?.dispose();
}

/**
 * WebGPUBackend's constructor refuses to run unless `navigator.gpu` exists, which Node 20 lacks; the device
 * is given explicitly, so a stand-in navigator is enough, and only for the constructor.
 */
function withNavigatorGpu<T>(construct: () => T): T {
  const scope = globalThis as { navigator?: { gpu?: unknown } };
  if (scope.navigator?.gpu) return construct();
  const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', {
    value: { ...scope.navigator, gpu: {} },
    configurable: true,
    writable: true,
  });
  try {
    return construct();
  } finally {
    if (had) Object.defineProperty(globalThis, 'navigator', had);
    else delete scope.navigator;
  }
}
