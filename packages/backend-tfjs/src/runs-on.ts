import type { RunsOn } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';

/** What the active tfjs backend really runs on, from facts the backend exposes (never a guess). */
export async function describeRunsOn(name: string): Promise<RunsOn> {
  const details: Record<string, string | number | boolean> = { tfjsBackend: name, tfjsVersion: tf.version_core };
  if (name === 'cpu') {
    return { api: 'tfjs', device: 'cpu', description: 'TensorFlow.js cpu backend (plain JavaScript)', details };
  }
  if (name === 'wasm') {
    details.simd = await flag('WASM_HAS_SIMD_SUPPORT');
    details.multithread = await flag('WASM_HAS_MULTITHREAD_SUPPORT');
    const simd = details.simd ? 'SIMD' : 'no SIMD';
    const threads = details.multithread ? 'multi-threaded' : 'single-threaded';
    return {
      api: 'tfjs',
      device: 'cpu',
      description: `TensorFlow.js wasm backend (XNNPACK, ${simd}, ${threads})`,
      details,
    };
  }
  if (name === 'webgl') {
    const renderer = webglRenderer();
    if (renderer) details.renderer = renderer;
    details.webglVersion = tf.env().getNumber('WEBGL_VERSION');
    return {
      api: 'tfjs',
      device: gpuKind(renderer),
      description: `TensorFlow.js webgl backend on ${renderer ?? 'an unknown renderer'}`,
      details,
    };
  }
  if (name === 'webgpu') {
    const adapter = webgpuAdapter();
    Object.assign(details, adapter);
    const label = [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ');
    return {
      api: 'tfjs',
      device: gpuKind(label || null),
      description: `TensorFlow.js webgpu backend on ${label || 'an unknown adapter'}`,
      details,
    };
  }
  return { api: 'tfjs', device: 'unknown', description: `TensorFlow.js ${name} backend`, details };
}

async function flag(name: string): Promise<boolean> {
  try {
    return Boolean(await tf.env().getAsync(name));
  } catch {
    return false;
  }
}

function gpuKind(label: string | null): RunsOn['device'] {
  if (!label) return 'unknown';
  return /swiftshader|llvmpipe|lavapipe|software/i.test(label) ? 'software-gpu' : 'gpu';
}

function webglRenderer(): string | null {
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGLLike } };
  const gl = backend.gpgpu?.gl;
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
  const value = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
  return typeof value === 'string' ? value : null;
}

interface WebGLLike {
  readonly RENDERER: number;
  getExtension(name: string): unknown;
  getParameter(name: number): unknown;
}

function webgpuAdapter(): Record<string, string> {
  const backend = tf.backend() as unknown as { adapterInfo?: Record<string, unknown> };
  const info = backend.adapterInfo ?? {};
  const out: Record<string, string> = {};
  for (const key of ['vendor', 'architecture', 'device', 'description']) {
    const value = info[key];
    if (typeof value === 'string' && value) out[key] = value;
  }
  return out;
}
