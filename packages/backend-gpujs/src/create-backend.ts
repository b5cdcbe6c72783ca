import { AttnkitError, type RunsOn } from '@attnkit/core';
import { CPUKernel, GPU, HeadlessGLKernel, WebAssemblyKernel, WebGL2Kernel, WebGLKernel } from 'gpu.js';
import { GpujsBackend } from './backend.js';
import { watchContext } from './gl-context.js';
import { countTextures } from './gl-textures.js';
import { DEFAULT_KERNEL_CACHE_BYTES, DEFAULT_KERNEL_CACHE_SIZE, KernelCache } from './kernel-cache.js';
import { copySource } from './kernels/elementwise.js';
import { fetch4Glsl } from './packed-fetch.js';
import { isTexture, Storage } from './tensor.js';

/** gpu.js modes this package drives. The WebGL ones are the point; 'cpu' and 'webasm' only when named. */
export type GpujsMode = 'webgl2' | 'webgl' | 'headlessgl' | 'cpu' | 'webasm';

export interface CreateGpujsBackendOptions {
  /** A GPU instance to build kernels on (the backend then destroys only its own kernels). Its mode is checked like any other. */
  readonly gpu?: GPU;
  /** Default: 'headlessgl' in Node, 'webgl2' in a browser. Never falls back to another mode. */
  readonly mode?: GpujsMode;
  /**
   * Compiled kernels kept, least recently used out first (default 256): destroying one frees its program
   * and the textures it holds. `kernelStats()` counts the kernels built, alive and evicted.
   */
  readonly kernelCacheSize?: number;
  /**
   * Bytes the cached kernels may keep between calls (default 48 MiB): each keeps its program (counted as
   * KERNEL_PROGRAM_BYTES), its last output texture and its host-array arguments' textures, so a count bound
   * alone lets them pin hundreds of MiB. Past it, least recently used kernels give back their textures, then go.
   */
  readonly kernelCacheBytes?: number;
}

/**
 * The kernel class each mode must produce, compared by identity (not by `constructor.name`, which a minifier
 * renames) and exactly (HeadlessGLKernel and WebGL2Kernel both extend WebGLKernel, so `instanceof` would
 * let one pass for the other). The names are for messages only.
 */
const KERNEL_CLASSES: Record<GpujsMode, { readonly kernelClass: unknown; readonly name: string }> = {
  headlessgl: { kernelClass: HeadlessGLKernel, name: 'HeadlessGLKernel' },
  webgl2: { kernelClass: WebGL2Kernel, name: 'WebGL2Kernel' },
  webgl: { kernelClass: WebGLKernel, name: 'WebGLKernel' },
  cpu: { kernelClass: CPUKernel, name: 'CPUKernel' },
  webasm: { kernelClass: WebAssemblyKernel, name: 'WebAssemblyKernel' },
};

function kernelClassName(kernelClass: unknown): string {
  return Object.values(KERNEL_CLASSES).find((k) => k.kernelClass === kernelClass)?.name ?? 'unknown kernel class';
}

/**
 * Creates the gpu.js backend, or rejects with AttnkitError 'UNAVAILABLE' and the reason. It builds one
 * kernel before answering and checks the class gpu.js really chose: gpu.js falls back to WebAssembly or
 * the CPU without a word (no X display for headless-gl, `gl` not built, no WebGL2 context).
 */
export async function createBackend(options: CreateGpujsBackendOptions = {}): Promise<GpujsBackend> {
  const mode = options.mode ?? modeOf(options.gpu) ?? (isBrowser() ? 'webgl2' : 'headlessgl');
  if (!(mode in KERNEL_CLASSES)) {
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `createBackend: mode must be one of ${Object.keys(KERNEL_CLASSES).join(', ')}, got ${String(mode)}`,
      {
        argument: 'options.mode',
        expected: Object.keys(KERNEL_CLASSES).join(' | '),
        given: String(mode),
      },
    );
  }
  const capacity = options.kernelCacheSize ?? DEFAULT_KERNEL_CACHE_SIZE;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `createBackend: kernelCacheSize must be an integer ≥ 1, got ${String(capacity)}`,
      {
        argument: 'options.kernelCacheSize',
        expected: 'an integer ≥ 1',
        given: String(capacity),
      },
    );
  }
  const byteCapacity = options.kernelCacheBytes ?? DEFAULT_KERNEL_CACHE_BYTES;
  if (!Number.isFinite(byteCapacity) || byteCapacity < 0) {
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `createBackend: kernelCacheBytes must be a finite number ≥ 0, got ${String(byteCapacity)}`,
      { argument: 'options.kernelCacheBytes', expected: 'a finite number ≥ 0', given: String(byteCapacity) },
    );
  }
  let gpu: GPU;
  try {
    gpu = options.gpu ?? new GPU({ mode });
  } catch (error) {
    throw unavailable(
      mode,
      `gpu.js could not start it (${messageOf(error)})${mode === 'headlessgl' ? '; headless-gl needs an X display (run under xvfb-run -a) and a built `gl` package' : ''}`,
      error,
    );
  }
  const cache = new KernelCache(
    gpu,
    mode === 'webgl' || mode === 'headlessgl' ? fetch4Glsl(false) : mode === 'webgl2' ? fetch4Glsl(true) : null,
    capacity,
    byteCapacity,
  );
  let placeholder: Storage;
  try {
    const { value, release } = cache.run(copySource(), 1, [new Float32Array(1)], { dynamic: true });
    placeholder = isTexture(value as never)
      ? new Storage(value as never, 1, release)
      : new Storage(Float32Array.from(value as ArrayLike<number>), 1);
  } catch (error) {
    cache.destroy();
    if (!options.gpu) void gpu.destroy();
    throw unavailable(mode, `its first kernel failed (${messageOf(error)})`, error);
  }
  const kernel = (cache.first() as unknown as { kernel: { constructor: unknown; context?: unknown } }).kernel;
  const expected = KERNEL_CLASSES[mode];
  if (kernel.constructor !== expected.kernelClass) {
    placeholder.release();
    cache.destroy();
    if (!options.gpu) void gpu.destroy();
    throw unavailable(mode, `gpu.js built a ${kernelClassName(kernel.constructor)} instead of a ${expected.name}`);
  }
  const kernelClass = expected.name;
  const webgl = mode === 'headlessgl' || mode === 'webgl' || mode === 'webgl2';
  const runsOn = describe(mode, kernelClass, webgl ? kernel.context : null);
  const textures = webgl ? countTextures(kernel.context) : null;
  const context = webgl ? watchContext(kernel.context, expected.kernelClass) : null;
  return new GpujsBackend({
    name: webgl ? 'gpujs-webgl' : `gpujs-${mode}`,
    gpu,
    ownsGpu: !options.gpu,
    cache,
    runsOn,
    textures,
    context,
    placeholder,
    packed: webgl ? { maxTextureSize: Number(runsOn.details.maxTextureSize) } : null,
  });
}

interface GlLike {
  getParameter(name: number): unknown;
  getExtension(name: string): unknown;
  getSupportedExtensions(): string[] | null;
  RENDERER: number;
  VENDOR: number;
  VERSION: number;
  SHADING_LANGUAGE_VERSION: number;
  MAX_TEXTURE_SIZE: number;
}

function describe(mode: GpujsMode, kernelClass: string, context: unknown): RunsOn {
  if (mode === 'cpu') {
    return {
      api: 'javascript',
      device: 'cpu',
      description: 'gpu.js cpu mode: kernels as plain JavaScript (asked for by name)',
      details: { mode, kernelClass },
    };
  }
  if (mode === 'webasm') {
    return {
      api: 'wasm',
      device: 'cpu',
      description: 'gpu.js webasm mode: kernels compiled to WebAssembly (asked for by name)',
      details: { mode, kernelClass },
    };
  }
  const gl = context as GlLike;
  const info = gl.getExtension('WEBGL_debug_renderer_info') as {
    UNMASKED_RENDERER_WEBGL: number;
    UNMASKED_VENDOR_WEBGL: number;
  } | null;
  const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  const vendor = String(info ? gl.getParameter(info.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR));
  const version = String(gl.getParameter(gl.VERSION));
  const drivers = mode === 'headlessgl' ? mappedGlDrivers() : [];
  const text = `${renderer} ${vendor} ${drivers.join(' ')}`;
  // Mesa 25 maps one libgallium for every gallium driver: a hardware one would have a DRM device open.
  const mesaSoftware = drivers.some((name) => name.startsWith('libgallium')) && !opensDrmDevice();
  const software = mesaSoftware || /swiftshader|llvmpipe|softpipe|swrast|software/i.test(text);
  const where =
    mode === 'headlessgl' ? `headless-gl (${version})${drivers.length ? ` on ${drivers.join(', ')}` : ''}` : version;
  return {
    api: 'webgl',
    device: software ? 'software-gpu' : 'unknown',
    description: `gpu.js ${kernelClass} on ${renderer} (${vendor}), ${where}`,
    details: {
      mode,
      kernelClass,
      renderer,
      vendor,
      version,
      shadingLanguage: String(gl.getParameter(gl.SHADING_LANGUAGE_VERSION)),
      maxTextureSize: Number(gl.getParameter(gl.MAX_TEXTURE_SIZE)),
      extensions: gl.getSupportedExtensions() ?? [],
      ...(drivers.length && { glDrivers: drivers }),
    },
  };
}

interface NodeFs {
  readFileSync(path: string, encoding: 'utf8'): string;
  readdirSync(path: string): string[];
  readlinkSync(path: string): string;
}

function nodeFs(): NodeFs | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:fs') as NodeFs | undefined;
}

/**
 * headless-gl reports only "ANGLE"/"stack-gl": the real driver is whichever Mesa library the process has
 * mapped: swrast_dri.so is llvmpipe under Xvfb on Mesa 22; Mesa 25 (bookworm-backports, scripts/setup.sh)
 * maps libgallium-<version>.so for every gallium driver instead. Read from /proc, Node on Linux only.
 */
function mappedGlDrivers(): string[] {
  try {
    const maps = nodeFs()?.readFileSync('/proc/self/maps', 'utf8') ?? '';
    const names = maps
      .split('\n')
      .map((line) => (line.split('/').pop() ?? '').replace(/ \(deleted\)$/, ''))
      .filter((name) => /_dri\.so|libgallium|libLLVM/.test(name));
    return [...new Set(names)];
  } catch {
    return [];
  }
}

/** Whether the process holds a DRM device (/dev/dri/…) open, as a hardware Mesa driver does. */
function opensDrmDevice(): boolean {
  const fs = nodeFs();
  try {
    return (fs?.readdirSync('/proc/self/fd') ?? []).some((fd) => {
      try {
        return fs!.readlinkSync(`/proc/self/fd/${fd}`).startsWith('/dev/dri/');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** The mode a caller's GPU instance has settled on, from the kernel class it will build. */
function modeOf(gpu: GPU | undefined): GpujsMode | undefined {
  const kernelClass = (gpu as { Kernel?: unknown } | undefined)?.Kernel;
  return (Object.keys(KERNEL_CLASSES) as GpujsMode[]).find((mode) => KERNEL_CLASSES[mode].kernelClass === kernelClass);
}

function isBrowser(): boolean {
  return typeof (globalThis as { document?: unknown }).document !== 'undefined';
}

function unavailable(mode: string, reason: string, cause?: unknown): AttnkitError {
  return new AttnkitError('UNAVAILABLE', `gpu.js ${mode} is unavailable: ${reason}`, {
    argument: 'options.mode',
    given: mode,
    cause,
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
