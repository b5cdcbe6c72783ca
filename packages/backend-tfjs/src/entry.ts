import type { Availability, BackendEntry } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type CreateBackendOptions, createBackend, type TfjsBackendName } from './backend.js';

const LABELS: Record<string, string> = {
  cpu: 'TensorFlow.js (cpu, plain JavaScript)',
  wasm: 'TensorFlow.js (wasm, XNNPACK)',
  webgl: 'TensorFlow.js (webgl)',
  webgpu: 'TensorFlow.js (webgpu)',
};

const PRIORITIES: Record<string, number> = { webgpu: 40, webgl: 30, wasm: 20, cpu: 10 };

/**
 * A registry entry for one tfjs backend. Nothing is registered on import: the application imports the
 * tfjs backend package it wants and adds this entry to a BackendRegistry. The probe says why the backend
 * is unavailable (not registered, or its initialization failed). Probing makes that backend active,
 * as creating it would.
 */
export function tfjsBackendEntry(
  tfjsBackend: TfjsBackendName,
  options: Omit<CreateBackendOptions, 'tfjsBackend'> = {},
): BackendEntry {
  return {
    name: `tfjs-${tfjsBackend}`,
    label: LABELS[tfjsBackend] ?? `TensorFlow.js (${tfjsBackend})`,
    priority: PRIORITIES[tfjsBackend] ?? 5,
    probe: () => probeTfjsBackend(tfjsBackend),
    create: () => createBackend({ ...options, tfjsBackend }),
  };
}

export async function probeTfjsBackend(tfjsBackend: string): Promise<Availability> {
  if (!(tfjsBackend in tf.engine().registryFactory)) {
    return {
      available: false,
      reason: `the tfjs backend '${tfjsBackend}' is not registered (import '@tensorflow/tfjs-backend-${tfjsBackend}')`,
    };
  }
  try {
    if (!(await tf.setBackend(tfjsBackend)))
      return { available: false, reason: `the tfjs backend '${tfjsBackend}' failed to initialize` };
  } catch (error) {
    return {
      available: false,
      reason: `the tfjs backend '${tfjsBackend}' failed to initialize: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  return { available: true, detail: `tfjs ${tf.version_core} on ${tf.getBackend()}` };
}
