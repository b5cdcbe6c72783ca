import type { TuningOverrides } from '@attnkit/backend-webgpu';
import { attnkitTarget } from './attnkit.js';
import { selectFactories } from './index.js';
import type { Target, TargetFactory } from './target.js';
import { loadTfjs } from './tfjs.js';
import { profilePeak } from './tfjs-naive.js';
import { webgpuBackend } from './webgpu.js';

/**
 * A backend with one internal choice pinned, timed beside the backend as it chooses (`--variants`, or by
 * name in `--backends`): the measurements behind those choices. Named `<target>:<variant>`; each is a
 * backend of its target's family, so it gets the same ratios.
 */
export interface VariantFactory extends TargetFactory {
  /** The target it is a variant of. */
  readonly of: string;
}

/** The attention paths of @attnkit/backend-tfjs, forced (src/attention/run.ts `choosePath` picks per call). */
const TFJS_PATHS = ['batched', 'blocked'] as const;

/**
 * Kernel variants of @attnkit/backend-webgpu's streaming attention (its src/tuner.ts picks per adapter and
 * shape, from these): register blocking with 1, 2 or 4 query rows per invocation, a smaller key block, scalar
 * loads, and shared-memory tiles. Split over keys stays the tuner's (packages/bench/scripts/gpu-split-sweep.mjs
 * times that).
 */
const WEBGPU_KERNELS: Readonly<Record<string, TuningOverrides['attention']>> = {
  'registers-r1-k16': { strategy: 'registers', rowsPerInvocation: 1, keyBlock: 16 },
  'registers-r2-k16': { strategy: 'registers', rowsPerInvocation: 2, keyBlock: 16 },
  'registers-r4-k16': { strategy: 'registers', rowsPerInvocation: 4, keyBlock: 16 },
  'registers-r2-k8': { strategy: 'registers', rowsPerInvocation: 2, keyBlock: 8 },
  'registers-r2-k16-scalar': { strategy: 'registers', rowsPerInvocation: 2, keyBlock: 16, vec4: false },
  'shared-k32-w64': { strategy: 'shared', keyBlock: 32, workgroupSize: 64 },
  'shared-k16-w32': { strategy: 'shared', keyBlock: 16, workgroupSize: 32 },
};

export const VARIANT_FACTORIES: readonly VariantFactory[] = [
  ...(['cpu', 'wasm'] as const).flatMap((tfjsBackend) =>
    TFJS_PATHS.map(
      (path): VariantFactory => ({
        name: `tfjs-${tfjsBackend}:${path}`,
        of: `tfjs-${tfjsBackend}`,
        role: 'backend',
        create: () => createTfjsPathTarget(tfjsBackend, path),
      }),
    ),
  ),
  ...Object.entries(WEBGPU_KERNELS).map(
    ([variant, attention]): VariantFactory => ({
      name: `webgpu:${variant}`,
      of: 'webgpu',
      role: 'backend',
      create: () => createWebGpuVariantTarget(variant, attention),
    }),
  ),
];

/**
 * The targets of a run: the named ones (all without names) in the bench's order, each followed by its
 * variants with `variants`, or by those of its variants named too. A variant named without its target runs
 * alone.
 */
export function selectTargets(names: readonly string[] | null, variants: boolean): TargetFactory[] {
  const named = VARIANT_FACTORIES.filter((v) => names?.includes(v.name));
  const targets = selectFactories(names ? names.filter((n) => !named.some((v) => v.name === n)) : null);
  const selected: TargetFactory[] = [];
  for (const target of targets) {
    selected.push(target);
    selected.push(...VARIANT_FACTORIES.filter((v) => v.of === target.name && (variants || named.includes(v))));
  }
  return [...selected, ...named.filter((v) => !selected.includes(v))];
}

/** attnkit's tfjs backend with one path forced; the batched path holds its score tensors, as the naive one does. */
async function createTfjsPathTarget(tfjsBackend: 'cpu' | 'wasm', path: 'batched' | 'blocked'): Promise<Target> {
  const tf = await loadTfjs();
  const { createBackend } = await import('@attnkit/backend-tfjs');
  const backend = await createBackend({ tfjsBackend, path });
  return {
    ...attnkitTarget(backend, `tfjs-${tfjsBackend}`, { profilePeak: (call) => profilePeak(tf, call) }),
    name: `tfjs-${tfjsBackend}:${path}`,
    label: `attnkit tfjs-${tfjsBackend}, ${path} path forced`,
    scoreCopies: path === 'batched' ? 3 : 0,
  };
}

/** attnkit's WebGPU backend with one kernel variant pinned, on the run's device. */
async function createWebGpuVariantTarget(variant: string, attention: TuningOverrides['attention']): Promise<Target> {
  const { device } = await webgpuBackend();
  const { createBackend } = await import('@attnkit/backend-webgpu');
  const backend = await createBackend({ device: device as never, tuning: { attention } });
  return {
    ...attnkitTarget(backend, 'webgpu'),
    name: `webgpu:${variant}`,
    label: `attnkit webgpu, ${variant}`,
  };
}
