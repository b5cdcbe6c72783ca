import type { GPU, IKernelRunShortcut } from 'gpu.js';
import { fetch4Native } from './packed-fetch.js';

/** gpu.js settings shared by every kernel: textures in, a fresh immutable float texture out. */
const SETTINGS = {
  pipeline: true,
  immutable: true,
  precision: 'single',
  tactic: 'precision',
  dynamicOutput: false,
} as const;

export interface KernelStats {
  /** Kernels built (one per source and output size). */
  readonly compiled: number;
  /** Calls served by a kernel that was already built. */
  readonly reused: number;
  /** Wall time of first calls, which include gpu.js's translation and the GL compile and link. */
  readonly compileMs: number;
  /** Kernels alive now. */
  readonly live: number;
}

/**
 * gpu.js translates and compiles a kernel on its first call. Kernels are generated per shape signature
 * (sizes are literals in the source, so loops have constant bounds), so the source plus the output size is
 * the cache key, and every later call with the same signature reuses the compiled program.
 */
export class KernelCache {
  private readonly kernels = new Map<string, IKernelRunShortcut>();
  private stats = { compiled: 0, reused: 0, compileMs: 0 };

  /** `fetch4`: GLSL of the packed-texel read (see packed-fetch.ts), added to kernels that call it. */
  constructor(
    private readonly gpu: GPU,
    private readonly fetch4: string | null = null,
  ) {}

  /** `size`: a flat output of that many elements, or a 2D [width, height] output. */
  run(source: string, size: number | readonly [number, number], args: readonly unknown[]): unknown {
    const output = typeof size === 'number' ? [size] : [...size];
    const key = `${output.join('x')}|${source}`;
    let kernel = this.kernels.get(key);
    if (kernel) {
      this.stats.reused++;
      return kernel(...(args as never[]));
    }
    const start = now();
    const natives = this.fetch4 && source.includes('fetch4(') ? { nativeFunctions: [fetch4Native(this.fetch4)] } : {};
    kernel = this.gpu.createKernel(source, { ...SETTINGS, ...natives, output } as never);
    this.kernels.set(key, kernel);
    const result = kernel(...(args as never[]));
    this.stats.compiled++;
    this.stats.compileMs += now() - start;
    return result;
  }

  /** The first kernel built: its `kernel` field is the class gpu.js really chose. */
  first(): IKernelRunShortcut | undefined {
    return this.kernels.values().next().value;
  }

  info(): KernelStats {
    return { ...this.stats, live: this.kernels.size };
  }

  destroy(): void {
    for (const kernel of this.kernels.values()) kernel.destroy();
    this.kernels.clear();
  }
}

/** performance.now() where there is one (browsers, Node), Date.now() otherwise; no DOM or Node types needed. */
function now(): number {
  const clock = (globalThis as { performance?: { now(): number } }).performance;
  return clock ? clock.now() : Date.now();
}
