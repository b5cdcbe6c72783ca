import { referenceBackendEntry } from '@attnkit/core';
import { machineThreads } from '../machine.js';
import { attnkitTarget } from './attnkit.js';
import { createGpujsTarget } from './gpujs.js';
import { createGpujsNaiveNodeTarget } from './gpujs-naive-node.js';
import { createOnnxRuntimeTarget } from './onnxruntime.js';
import { createOnnxRuntimeWebTarget } from './onnxruntime-web-node.js';
import type { TargetFactory } from './target.js';
import { createTfjsAttnkitTarget, createTfjsNaiveTarget } from './tfjs.js';
import { threadVariantFactories } from './thread-variants.js';
import { createWasmTarget } from './wasm.js';
import { createTfjsWebGpuTarget, createWebGpuTarget } from './webgpu.js';
import { createWebGpuThreePassTarget } from './webgpu-three-pass.js';

/**
 * Every target the bench knows, backends first. Each is imported dynamically inside `create`, so a
 * missing, unbuilt or unavailable one is reported with its reason and the run goes on.
 */
export const TARGET_FACTORIES: readonly TargetFactory[] = [
  {
    name: 'reference',
    role: 'backend',
    create: async () => attnkitTarget(await referenceBackendEntry.create(), 'javascript'),
  },
  { name: 'tfjs-cpu', role: 'backend', create: () => createTfjsAttnkitTarget('cpu') },
  { name: 'tfjs-wasm', role: 'backend', create: () => createTfjsAttnkitTarget('wasm') },
  { name: 'webgpu', role: 'backend', create: createWebGpuTarget },
  { name: 'gpujs-webgl', role: 'backend', create: () => createGpujsTarget() },
  ...threadVariantFactories('wasm', 'backend', machineThreads, createWasmTarget),
  { name: 'onnxruntime-cpu', role: 'peer', create: createOnnxRuntimeTarget },
  ...threadVariantFactories('onnxruntime-web', 'peer', machineThreads, createOnnxRuntimeWebTarget),
  { name: 'tfjs-cpu-naive', role: 'peer', create: () => createTfjsNaiveTarget('cpu', 'tfjs-cpu') },
  { name: 'tfjs-wasm-naive', role: 'peer', create: () => createTfjsNaiveTarget('wasm', 'tfjs-wasm') },
  { name: 'tfjs-webgpu-naive', role: 'peer', create: createTfjsWebGpuTarget },
  { name: 'webgpu-three-pass', role: 'peer', create: createWebGpuThreePassTarget },
  { name: 'gpujs-naive', role: 'peer', create: () => createGpujsNaiveNodeTarget() },
];

export function selectFactories(names: readonly string[] | null): TargetFactory[] {
  if (!names) return [...TARGET_FACTORIES];
  const unknown = names.filter((n) => !TARGET_FACTORIES.some((f) => f.name === n));
  if (unknown.length)
    throw new Error(
      `unknown target(s) ${unknown.join(', ')}; known: ${TARGET_FACTORIES.map((f) => f.name).join(', ')}`,
    );
  return TARGET_FACTORIES.filter((f) => names.includes(f.name));
}
